import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';

export const apiKeys: QueryResolvers['apiKeys'] = (_parent, { partnerId }, ctx) =>
  ctx.services.auth.list(ctx.scope, partnerId ? expectGlobalId(partnerId, 'Partner', 'partnerId') : null);
