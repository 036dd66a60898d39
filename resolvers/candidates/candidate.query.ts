import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { localIdOf } from '../../src/lib/ids';

/** Null for an unknown, malformed or unshared id alike: no existence oracle. */
export const candidate: QueryResolvers['candidate'] = (_parent, { id }, ctx) => {
  const localId = localIdOf(id, 'CandidateCV');
  return localId === null ? null : ctx.loaders.candidateById.load(localId);
};
