import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { buildOfferQuery } from '../../src/services/offer-filter';

/** Public offer search: validate arguments, delegate to the search service. */
export const offers: QueryResolvers['offers'] = (_parent, args, ctx) =>
  ctx.services.offers.page(buildOfferQuery(args), ctx.now);
