import type { PartnerResolvers } from '../src/__generated__/resolvers-types';
import { toGlobalId } from '../src/ids';
import { buildOfferQuery } from '../src/services/offer-filter';

export const Partner: PartnerResolvers = {
  id: (partner) => toGlobalId('Partner', partner.id),
  activeOfferCount: (partner, _args, ctx) => ctx.loaders.activeOfferCountByPartnerId.load(partner.id),
  offers: (partner, args, ctx) => {
    const { partnerId: _ignored, ...query } = buildOfferQuery(args);
    return ctx.loaders.offersByPartnerId.load({ partnerId: partner.id, query });
  },
  syndication: (partner, _args, ctx) => {
    const { viewer } = ctx;
    const allowed = viewer.role === 'AGENCY' || (viewer.role === 'PARTNER' && viewer.partnerId === partner.id);
    return allowed ? ctx.loaders.syndicationByPartnerId.load(partner.id) : null;
  },
};
