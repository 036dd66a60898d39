import type { PartnerResolvers } from '../../src/__generated__/resolvers-types';
import { localIdOf, toGlobalId } from '../../src/lib/ids';
import { buildOfferQuery } from '../../src/offers/offer-filter';
import { partnerOffersFilter } from '../../src/offers/offer-ownership';

export const Partner: PartnerResolvers = {
  /** Federation: a supergraph's reference `{ id }`, batched by the request's loader like Query.node. */
  __resolveReference: (ref, ctx) => {
    const id = localIdOf(ref.id, 'Partner');
    return id === null ? null : ctx.loaders.partnerById.load(id);
  },
  id: (partner) => toGlobalId('Partner', partner.id),
  activeOfferCount: (partner, _args, ctx) => ctx.loaders.activeOfferCountByPartnerId.load(partner.id),
  offers: (partner, { statuses, ...args }, ctx) => {
    const { partnerId: _ignored, ...query } = buildOfferQuery(args);
    const filter = partnerOffersFilter(ctx.viewer, partner.id, query.filter, statuses);
    return ctx.loaders.offersByPartnerId.load({ partnerId: partner.id, query: { ...query, filter } });
  },
  syndication: (partner, _args, ctx) => {
    const { viewer } = ctx;
    const allowed = viewer.role === 'AGENCY' || (viewer.role === 'PARTNER' && viewer.partnerId === partner.id);
    return allowed ? ctx.loaders.syndicationByPartnerId.load(partner.id) : null;
  },
};
