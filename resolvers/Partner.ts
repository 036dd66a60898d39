import type { PartnerResolvers } from '../src/__generated__/resolvers-types';
import { toGlobalId } from '../src/ids';
import { buildOfferQuery } from '../src/services/offer-filter';
import { partnerOffersFilter } from '../src/services/offer-ownership';

export const Partner: PartnerResolvers = {
  id: (partner) => toGlobalId('Partner', partner.id),
  activeOfferCount: (partner, _args, ctx) => ctx.loaders.activeOfferCountByPartnerId.load(partner.id),
  offers: (partner, { statuses, ...args }, ctx) => {
    const { partnerId: _ignored, ...query } = buildOfferQuery(args);
    const filter = partnerOffersFilter(ctx.viewer, partner.id, query.filter, statuses);
    return ctx.loaders.offersByPartnerId.load({ partnerId: partner.id, query: { ...query, filter } });
  },
};
