import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';

export const issueApiKey: MutationResolvers['issueApiKey'] = (_parent, { partnerId, role, label, expiresAt }, ctx) =>
  ctx.services.auth.issueKey(ctx.scope, {
    role,
    label,
    expiresAt,
    partnerId: partnerId ? expectGlobalId(partnerId, 'Partner', 'partnerId') : null,
  });

export const revokeApiKey: MutationResolvers['revokeApiKey'] = (_parent, { id }, ctx) =>
  ctx.services.auth.revokeKey(ctx.scope, expectGlobalId(id, 'ApiKey', 'id'));
