import type { OfferUpsertResultResolvers } from '../../src/__generated__/resolvers-types';

/** The stored offer behind a result, whatever its status (the caller just wrote it). */
export const OfferUpsertResult: OfferUpsertResultResolvers = {
  offer: (result, _args, ctx) => (result.offerId === null ? null : ctx.loaders.offerByIdAnyStatus.load(result.offerId)),
  // What became of the offer since: a replayed batchId answers the stored status (CREATED...).
  currentStatus: async (result, _args, ctx) => {
    if (result.offerId === null) return null;
    const offer = await ctx.loaders.offerByIdAnyStatus.load(result.offerId);
    if (!offer) return null;
    return offer.status === 'ACTIVE' && offer.validThrough && offer.validThrough <= ctx.now ? 'EXPIRED' : offer.status;
  },
};
