import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { selectedOfferFields } from '../../src/graphql/selection';
import { buildOfferQuery } from '../../src/offers/offer-filter';

/**
 * Public offer search: validate arguments, delegate to the search service. The page reads only the
 * columns of the Offer fields the operation shows (the description, stored off-page, among them).
 */
export const offers: QueryResolvers['offers'] = (_parent, args, ctx, info) =>
  ctx.services.offers.page({ ...buildOfferQuery(args), fields: selectedOfferFields(info) }, ctx.now);
