import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';
import { dayArg } from '../../src/lib/paris-day';

export const reportLink: QueryResolvers['reportLink'] = (_parent, { kind, partnerId, from, to, granularity, date }, ctx) =>
  ctx.services.reportLinks.issue(ctx.scope, {
    kind,
    partnerId: partnerId ? expectGlobalId(partnerId, 'Partner', 'partnerId') : null,
    from: from ? dayArg(from) : null,
    to: to ? dayArg(to) : null,
    granularity: granularity ?? 'DAY',
    date: date ? dayArg(date) : null,
  });
