import type {
  OfferChangeResolvers,
  PartnerSyndicationResolvers,
  SyndicationWebhookSecretResolvers,
} from '../../src/__generated__/resolvers-types';
import { toGlobalId } from '../../src/lib/ids';
import { syndicationStatus } from '../../src/syndication/syndication.service';
import { NO_PREFERENCES } from '../../src/syndication/syndication-preferences';

export const OfferChange: OfferChangeResolvers = {
  offerId: (change) => toGlobalId('Offer', change.offerId),
};

export const PartnerSyndication: PartnerSyndicationResolvers = {
  preferences: (s) => s.preferences ?? NO_PREFERENCES,
  status: (s) => syndicationStatus(s),
};

export const SyndicationWebhookSecret: SyndicationWebhookSecretResolvers = {
  partner: async (s, _args, ctx) => (await ctx.loaders.partnerById.load(s.partnerId))!,
};
