import type { QueryResolvers } from '../../src/__generated__/resolvers-types';

export const syndicationFeed: QueryResolvers['syndicationFeed'] = (_parent, { after, first }, ctx) =>
  ctx.services.syndication.feed(ctx.scope, after, first);
