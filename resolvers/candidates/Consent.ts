import type { ConsentResolvers } from '../../src/__generated__/resolvers-types';
import { toGlobalId } from '../../src/lib/ids';

/** Consent records (AGENCY only: nobody else is ever given one). */
export const Consent: ConsentResolvers = {
  id: (consent) => toGlobalId('Consent', consent.id),
  cv: (consent, _args, ctx) => ctx.loaders.candidateById.load(consent.cvId),
  scope: (consent) => (consent.partnerId === null ? 'ALL_PARTNERS' : 'PARTNER'),
  partner: (consent, _args, ctx) => (consent.partnerId === null ? null : ctx.loaders.partnerById.load(consent.partnerId)),
  status: (consent, _args, ctx) =>
    consent.revokedAt ? 'REVOKED' : consent.expiresAt.getTime() <= ctx.now.getTime() ? 'EXPIRED' : 'ACTIVE',
};
