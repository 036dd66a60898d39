import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { localIdOf } from '../../src/lib/ids';

export const partner: QueryResolvers['partner'] = (_parent, { id }, ctx) => {
  const localId = localIdOf(id, 'Partner');
  return localId === null ? null : ctx.loaders.partnerById.load(localId);
};
