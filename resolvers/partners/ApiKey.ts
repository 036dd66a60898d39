import type { ApiKeyResolvers } from '../../src/__generated__/resolvers-types';
import { toGlobalId } from '../../src/lib/ids';

export const ApiKey: ApiKeyResolvers = {
  id: (key) => toGlobalId('ApiKey', key.id),
  partner: (key, _args, ctx) => (key.partnerId === null ? null : ctx.loaders.partnerById.load(key.partnerId)),
};
