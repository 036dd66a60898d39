import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { dayArg } from '../../src/lib/paris-day';

/** The figures themselves resolve lazily (resolvers/reports/HubStats.ts): one GROUP BY per field asked. */
export const hubStats: QueryResolvers['hubStats'] = (_parent, { date }, ctx) =>
  ctx.services.hubStats.forDay(ctx.scope, date ? dayArg(date) : null);
