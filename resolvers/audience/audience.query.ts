import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';
import { dayArg } from '../../src/lib/paris-day';

export const audience: QueryResolvers['audience'] = (_parent, { partnerId, from, to, granularity }, ctx) =>
  ctx.services.audience.report(ctx.scope, {
    partnerId: partnerId ? expectGlobalId(partnerId, 'Partner', 'partnerId') : null,
    from: dayArg(from),
    to: dayArg(to),
    granularity: granularity ?? 'DAY',
  });
