import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { BadUserInputError } from '../../src/errors';
import { MAX_OFFERS_PER_CALL } from '../../src/ingestion/ingestion.types';

/** The caller publishes as itself: a PARTNER key writes its partner's offers, AGENCY the agency's. */
export const upsertOffers: MutationResolvers['upsertOffers'] = async (_parent, { offers, batchId }, ctx) => {
  const payload = await ctx.services.ingestion.upsertOffersFor(ctx.scope, offers, batchId);
  ctx.metrics?.recordIngest(payload);
  return payload;
};

export const withdrawOffers: MutationResolvers['withdrawOffers'] = (_parent, { externalIds }, ctx) => {
  if (externalIds.length > MAX_OFFERS_PER_CALL)
    throw new BadUserInputError(`externalIds: at most ${MAX_OFFERS_PER_CALL} per call`, 'externalIds');
  return ctx.services.ingestion.withdrawOffersFor(ctx.scope, externalIds);
};
