import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { localIdOf } from '../../src/lib/ids';

export const offer: QueryResolvers['offer'] = (_parent, { id }, ctx) => {
  const localId = localIdOf(id, 'Offer');
  return localId === null ? null : ctx.loaders.offerById.load(localId);
};
