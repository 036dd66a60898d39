import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { buildCandidateQuery } from '../../src/candidates/candidate-filter';

/** The CVs this viewer may see (the service applies consents and logs the reads). */
export const candidates: QueryResolvers['candidates'] = (_parent, args, ctx) =>
  ctx.services.candidates.search(ctx.scope, buildCandidateQuery(args));
