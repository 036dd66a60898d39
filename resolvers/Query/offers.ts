import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { selectsPath } from '../../src/graphql/selection';
import { buildOfferQuery } from '../../src/services/offer-filter';

/**
 * Public offer search: validate arguments, delegate to the search service. The description (the
 * one large column, stored off-page) is read only when the operation asks for it.
 */
export const offers: QueryResolvers['offers'] = (_parent, args, ctx, info) =>
  ctx.services.offers.page({ ...buildOfferQuery(args), withDescription: selectsPath(info, ['edges', 'node', 'description']) }, ctx.now);
