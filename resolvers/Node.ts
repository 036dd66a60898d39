import type { NodeResolvers } from '../src/__generated__/resolvers-types';

/** Offers carry an externalId and partners a code: that tells the two apart without a tag. */
export const Node: NodeResolvers = {
  __resolveType: (obj) => ('externalId' in obj ? 'Offer' : 'Partner'),
};
