import type { ViewerResolvers } from '../../src/__generated__/resolvers-types';
import { selectedOfferFields } from '../../src/graphql/selection';
import { buildOfferQuery } from '../../src/offers/offer-filter';
import { ownerFilter } from '../../src/offers/offer-ownership';

export const Viewer: ViewerResolvers = {
  role: (viewer) => viewer.role,
  partner: (viewer, _args, ctx) => (viewer.role === 'PARTNER' ? ctx.loaders.partnerById.load(viewer.partnerId) : null),
  // The caller's own offers in every status (or those asked): a partner's, or the agency's own.
  offers: (viewer, { statuses, ...args }, ctx, info) => {
    const query = buildOfferQuery(args);
    // PUBLIC: an empty connection whose totalCount and facets count nothing (no status at all).
    if (viewer.role === 'PUBLIC') return { query: { ...query, filter: { ...query.filter, statuses: [] } }, rows: [], hasNextPage: false };
    const filter = ownerFilter(viewer.role === 'AGENCY' ? { ...query.filter, source: 'AGENCY' } : query.filter, statuses);
    const partnerId = viewer.role === 'PARTNER' ? viewer.partnerId : null;
    return ctx.services.offers.page({ ...query, filter, partnerId, fields: selectedOfferFields(info) }, ctx.now);
  },
};
