import DataLoader from 'dataloader';
import type { Viewer } from '../auth/viewer';
import { offerByIdVisibility } from './offer-ownership';
import type { OfferSearchService } from './offer-search.service';
import type { FacetCount, FacetDimension, OfferConnectionModel, OfferFilterSpec, OfferModel, OfferQuery } from './offer-search.types';

/** Partner.offers page request, keyed by partner and by everything else in the query. */
export interface PartnerOffersKey {
  partnerId: number;
  query: Omit<OfferQuery, 'partnerId'>;
}

export interface FacetKey {
  query: Pick<OfferQuery, 'filter' | 'partnerId'>;
  dimension: FacetDimension;
}

/** Per-request offer loaders (see src/loaders.ts). */
export interface OfferLoaders {
  /** The offers this viewer may see (public ones; its own or, for the agency, every one in any status). */
  offerById: DataLoader<number, OfferModel | null>;
  /** Any status: for a publisher's own offers (ingestion results), never for public reads. */
  offerByIdAnyStatus: DataLoader<number, OfferModel | null>;
  activeOfferCountByPartnerId: DataLoader<number, number>;
  offersByPartnerId: DataLoader<PartnerOffersKey, OfferConnectionModel, string>;
  offerCountByPartnerId: DataLoader<{ partnerId: number; filter: OfferFilterSpec }, number, string>;
  offerCount: DataLoader<Pick<OfferQuery, 'filter' | 'partnerId'>, number, string>;
  offerFacet: DataLoader<FacetKey, FacetCount[], string>;
}

/** What the offer loaders of one request are built from. */
export interface OfferLoaderScope {
  offers: OfferSearchService;
  viewer: Viewer;
  now: Date;
}

/** Groups keys by a shared part so each group becomes one statement; answers in key order. */
async function batchGrouped<K, V>(
  keys: readonly K[],
  groupOf: (key: K) => string,
  runGroup: (groupKeys: K[]) => Promise<V[]>,
): Promise<V[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const g = groupOf(key);
    const slot = groups.get(g);
    if (slot) slot.push(i);
    else groups.set(g, [i]);
  });
  const results = new Array<V>(keys.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const values = await runGroup(indexes.map((i) => keys[i]));
      indexes.forEach((keyIndex, j) => (results[keyIndex] = values[j]));
    }),
  );
  return results;
}

/** How each offer loader is built; a request builds only those it uses (src/loaders.ts). */
export const OFFER_LOADERS: { [K in keyof OfferLoaders]: (scope: OfferLoaderScope) => OfferLoaders[K] } = {
  offerById: ({ offers, now, viewer }) =>
    new DataLoader(async (ids) => {
      // Public offers; a partner's own in every status too; every offer for the agency.
      const found = await offers.byIds(ids, now, offerByIdVisibility(viewer));
      return ids.map((id) => found.get(id) ?? null);
    }),
  offerByIdAnyStatus: ({ offers, now }) =>
    new DataLoader(async (ids) => {
      const found = await offers.byIds(ids, now, { anyStatus: true });
      return ids.map((id) => found.get(id) ?? null);
    }),
  activeOfferCountByPartnerId: ({ offers, now }) => new DataLoader((ids) => offers.countByPartner({}, [...ids], now)),
  offersByPartnerId: ({ offers, now }) =>
    new DataLoader(
      (keys) =>
        batchGrouped(
          keys,
          (k) => JSON.stringify(k.query),
          (group) =>
            offers.pagesByPartner(
              group[0].query,
              group.map((k) => k.partnerId),
              now,
            ),
        ),
      { cacheKeyFn: (k) => JSON.stringify(k) },
    ),
  offerCountByPartnerId: ({ offers, now }) =>
    new DataLoader(
      (keys) =>
        batchGrouped(
          keys,
          (k) => JSON.stringify(k.filter),
          (group) =>
            offers.countByPartner(
              group[0].filter,
              group.map((k) => k.partnerId),
              now,
            ),
        ),
      { cacheKeyFn: (k) => JSON.stringify(k) },
    ),
  offerCount: ({ offers, now }) =>
    new DataLoader((keys) => Promise.all(keys.map((k) => offers.count(k, now))), { cacheKeyFn: (k) => JSON.stringify(k) }),
  offerFacet: ({ offers, now }) =>
    new DataLoader((keys) => Promise.all(keys.map((k) => offers.facet(k.query, k.dimension, now))), {
      cacheKeyFn: (k) => JSON.stringify(k),
    }),
};
