import type { NodeResolvers } from '../src/__generated__/resolvers-types';

/** Offers carry an externalId, API keys a keyHash, partners neither. */
export const Node: NodeResolvers = {
  __resolveType: (obj) => ('externalId' in obj ? 'Offer' : 'keyHash' in obj ? 'ApiKey' : 'Partner'),
};
