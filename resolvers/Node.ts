import type { NodeResolvers } from '../src/__generated__/resolvers-types';

/** Offers carry an externalId, API keys a keyHash, CVs a pseudonym, consents shareContact, partners none of these. */
export const Node: NodeResolvers = {
  __resolveType: (obj) =>
    'externalId' in obj
      ? 'Offer'
      : 'keyHash' in obj
        ? 'ApiKey'
        : 'pseudonym' in obj
          ? 'CandidateCV'
          : 'shareContact' in obj
            ? 'Consent'
            : 'Partner',
};
