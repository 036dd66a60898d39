import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { assertUnreachable } from '../../src/errors';
import { fromGlobalId } from '../../src/ids';

/** Any object by global id; an unknown or malformed id answers null, like a missing object. */
export const node: QueryResolvers['node'] = (_parent, { id }, ctx) => {
  const parsed = fromGlobalId(id);
  if (!parsed) return null;
  switch (parsed.type) {
    case 'Offer':
      return ctx.loaders.offerById.load(parsed.id);
    case 'Partner':
      return ctx.loaders.partnerById.load(parsed.id);
    default:
      return assertUnreachable(parsed.type);
  }
};
