import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';

export const cvAccessLog: QueryResolvers['cvAccessLog'] = (_parent, { cvId }, ctx) =>
  ctx.services.candidates.accessLogOf(ctx.scope, expectGlobalId(cvId, 'CandidateCV', 'cvId'));
