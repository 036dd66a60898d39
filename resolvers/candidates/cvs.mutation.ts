import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';

/** The agency's CV and consent mutations, acting for the candidate (the service checks the role). */
export const publishCV: MutationResolvers['publishCV'] = (_parent, { input }, ctx) => ctx.services.candidates.publish(ctx.scope, input);

export const updateCV: MutationResolvers['updateCV'] = (_parent, { id, input }, ctx) =>
  ctx.services.candidates.update(ctx.scope, expectGlobalId(id, 'CandidateCV', 'id'), input);

export const grantCVConsent: MutationResolvers['grantCVConsent'] = (_parent, { cvId, partnerId, shareContact, expiresAt }, ctx) =>
  ctx.services.candidates.grantConsent(ctx.scope, {
    cvId: expectGlobalId(cvId, 'CandidateCV', 'cvId'),
    partnerId: partnerId ? expectGlobalId(partnerId, 'Partner', 'partnerId') : null,
    shareContact,
    expiresAt,
  });

export const revokeCVConsent: MutationResolvers['revokeCVConsent'] = (_parent, { consentId }, ctx) =>
  ctx.services.candidates.revokeConsent(ctx.scope, expectGlobalId(consentId, 'Consent', 'consentId'));

export const eraseCandidate: MutationResolvers['eraseCandidate'] = (_parent, { cvId }, ctx) =>
  ctx.services.candidates.erase(ctx.scope, expectGlobalId(cvId, 'CandidateCV', 'cvId'));
