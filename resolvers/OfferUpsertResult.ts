import type { OfferUpsertResultResolvers } from '../src/__generated__/resolvers-types';

/** The stored offer behind a result, whatever its status (the caller just wrote it). */
export const OfferUpsertResult: OfferUpsertResultResolvers = {
  offer: (result, _args, ctx) => (result.offerId === null ? null : ctx.loaders.offerByIdAnyStatus.load(result.offerId)),
};
