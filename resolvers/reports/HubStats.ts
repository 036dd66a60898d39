import type { HubStatsResolvers } from '../../src/__generated__/resolvers-types';

export const HubStats: HubStatsResolvers = {
  activeOffers: (stats, _args, ctx) => ctx.services.hubStats.activeOffers(stats),
  newOffers: (stats, _args, ctx) => ctx.services.hubStats.newOffers(stats),
  activeOffersBySource: (stats, _args, ctx) => ctx.services.hubStats.bySource(stats),
  topPartners: (stats, _args, ctx) => ctx.services.hubStats.topPartners(stats),
  activeOffersByRegion: (stats, _args, ctx) => ctx.services.hubStats.byRegion(stats),
  activeOffersByRomeDomain: (stats, _args, ctx) => ctx.services.hubStats.byRomeDomain(stats),
};
