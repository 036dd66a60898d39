import type { OfferResolvers } from '../../src/__generated__/resolvers-types';
import { localIdOf, toGlobalId } from '../../src/lib/ids';
import { getReferentials } from '../../src/referentials/referential.service';

/** Offer fields: the entity's columns, regrouped into the contract's objects. */
export const Offer: OfferResolvers = {
  /** Federation: a supergraph's reference `{ id }`, batched by the request's loader; hidden offers are null, as with Query.node. */
  __resolveReference: (ref, ctx) => {
    const id = localIdOf(ref.id, 'Offer');
    return id === null ? null : ctx.loaders.offerById.load(id);
  },
  id: (offer) => toGlobalId('Offer', offer.id),
  // Page queries join the partner in (no statement); other paths go through the batched loader.
  partner: (offer, _args, ctx) =>
    offer.partner !== undefined ? offer.partner : offer.partnerId === null ? null : ctx.loaders.partnerById.load(offer.partnerId),
  rome: (offer) => (offer.romeCode ? getReferentials().rome(offer.romeCode) : null),
  employer: (offer) => (offer.employerName || offer.employerUrl ? { name: offer.employerName, url: offer.employerUrl } : null),
  location: (offer) => ({
    label: offer.locationLabel,
    communeCode: offer.communeCode,
    postalCode: offer.postalCode,
    city: offer.city,
    departmentCode: offer.departmentCode,
    regionCode: offer.regionCode,
    latitude: offer.latitude,
    longitude: offer.longitude,
  }),
  salary: (offer) =>
    offer.salaryMin === null && offer.salaryMax === null && !offer.salaryLabel
      ? null
      : {
          min: offer.salaryMin,
          max: offer.salaryMax,
          currency: offer.salaryCurrency,
          period: offer.salaryPeriod,
          label: offer.salaryLabel,
        },
  distanceKm: (offer) => offer.distanceKm ?? null,
  // Past validThrough is EXPIRED at once, before the minute's expiry run marks the row.
  status: (offer, _args, ctx) =>
    offer.status === 'ACTIVE' && offer.validThrough && offer.validThrough <= ctx.now ? 'EXPIRED' : offer.status,
  // The offer's own partner and the agency only; batched over the page by a per-request loader.
  audience: (offer, _args, ctx) =>
    ctx.services.audience.mayViewOfferAudience(ctx.scope, offer.partnerId) ? ctx.loaders.offerAudienceByOfferId.load(offer.id) : null,
};
