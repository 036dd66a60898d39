import DataLoader from 'dataloader';
import type { PartnerEntity } from '../entities';
import type { Viewer } from './auth/viewer';
import type { Services } from './services';
import type { CvAccessRecorder } from './candidates/cv-access-recorder';
import { offerByIdVisibility } from './offers/offer-ownership';
import { createAudienceLoaders, type AudienceLoaders } from './audience/audience.loader';
import { createCandidateLoaders, type CandidateLoaders } from './candidates/candidate.loader';
import type { PartnerSyndicationModel } from './syndication/syndication.types';
import type {
  FacetCount,
  FacetDimension,
  OfferConnectionModel,
  OfferFilterSpec,
  OfferModel,
  OfferQuery,
} from './offers/offer-search.types';

/** Partner.offers page request, keyed by partner and by everything else in the query. */
export interface PartnerOffersKey {
  partnerId: number;
  query: Omit<OfferQuery, 'partnerId'>;
}

export interface FacetKey {
  query: Pick<OfferQuery, 'filter' | 'partnerId'>;
  dimension: FacetDimension;
}

/**
 * Per-request DataLoaders: built fresh for every request (never shared, so no viewer sees another's
 * rows and nothing is stale), each batching one kind of lookup into one SQL statement.
 */
export interface Loaders extends CandidateLoaders, AudienceLoaders {
  partnerById: DataLoader<number, PartnerEntity | null>;
  /** The offers this viewer may see (public ones; its own or, for the agency, every one in any status). */
  offerById: DataLoader<number, OfferModel | null>;
  /** Any status: for a publisher's own offers (ingestion results), never for public reads. */
  offerByIdAnyStatus: DataLoader<number, OfferModel | null>;
  activeOfferCountByPartnerId: DataLoader<number, number>;
  offersByPartnerId: DataLoader<PartnerOffersKey, OfferConnectionModel, string>;
  offerCountByPartnerId: DataLoader<{ partnerId: number; filter: OfferFilterSpec }, number, string>;
  offerCount: DataLoader<Pick<OfferQuery, 'filter' | 'partnerId'>, number, string>;
  offerFacet: DataLoader<FacetKey, FacetCount[], string>;
  syndicationByPartnerId: DataLoader<number, PartnerSyndicationModel>;
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

/** What the loaders of one request are built from. */
interface LoaderScope {
  services: Services;
  now: Date;
  request: { viewer: Viewer; cvAccess: CvAccessRecorder };
}

/** How each loader is built; a request builds only those it uses (createLoaders). */
const LOADER_FACTORIES: { [K in keyof Loaders]: (scope: LoaderScope, owner: RequestLoaders) => Loaders[K] } = {
  // The candidate and audience loaders come as groups: the first one used builds its group.
  candidateById: (_s, owner) => owner.candidateGroup().candidateById,
  contactByCvId: (_s, owner) => owner.candidateGroup().contactByCvId,
  consentsByCvId: (_s, owner) => owner.candidateGroup().consentsByCvId,
  consentById: (_s, owner) => owner.candidateGroup().consentById,
  accessLogByCvPseudonym: (_s, owner) => owner.candidateGroup().accessLogByCvPseudonym,
  apiKeyById: (_s, owner) => owner.candidateGroup().apiKeyById,
  offerAudienceByOfferId: ({ services, now }) => createAudienceLoaders(services.audience, now).offerAudienceByOfferId,
  syndicationByPartnerId: ({ services }) =>
    new DataLoader(async (ids) => {
      const found = await services.syndication.settingsByPartnerIds(ids);
      return ids.map((id) => found.get(id)!);
    }),
  partnerById: ({ services }) =>
    new DataLoader(async (ids) => {
      const found = await services.partners.byIds(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  offerById: ({ services, now, request }) =>
    new DataLoader(async (ids) => {
      // Public offers; a partner's own in every status too; every offer for the agency.
      const found = await services.offers.byIds(ids, now, offerByIdVisibility(request.viewer));
      return ids.map((id) => found.get(id) ?? null);
    }),
  offerByIdAnyStatus: ({ services, now }) =>
    new DataLoader(async (ids) => {
      const found = await services.offers.byIds(ids, now, { anyStatus: true });
      return ids.map((id) => found.get(id) ?? null);
    }),
  activeOfferCountByPartnerId: ({ services, now }) => new DataLoader((ids) => services.offers.countByPartner({}, [...ids], now)),
  offersByPartnerId: ({ services, now }) =>
    new DataLoader(
      (keys) =>
        batchGrouped(
          keys,
          (k) => JSON.stringify(k.query),
          (group) =>
            services.offers.pagesByPartner(
              group[0].query,
              group.map((k) => k.partnerId),
              now,
            ),
        ),
      { cacheKeyFn: (k) => JSON.stringify(k) },
    ),
  offerCountByPartnerId: ({ services, now }) =>
    new DataLoader(
      (keys) =>
        batchGrouped(
          keys,
          (k) => JSON.stringify(k.filter),
          (group) =>
            services.offers.countByPartner(
              group[0].filter,
              group.map((k) => k.partnerId),
              now,
            ),
        ),
      { cacheKeyFn: (k) => JSON.stringify(k) },
    ),
  offerCount: ({ services, now }) =>
    new DataLoader((keys) => Promise.all(keys.map((k) => services.offers.count(k, now))), { cacheKeyFn: (k) => JSON.stringify(k) }),
  offerFacet: ({ services, now }) =>
    new DataLoader((keys) => Promise.all(keys.map((k) => services.offers.facet(k.query, k.dimension, now))), {
      cacheKeyFn: (k) => JSON.stringify(k),
    }),
};

/**
 * One request's loaders, each built the first time a resolver reads it: an anonymous page uses
 * none of the twenty, and building them all was ~2 % of its CPU. Still one per request, never shared.
 */
class RequestLoaders {
  readonly built: Partial<Loaders> = {};
  private candidates?: CandidateLoaders;
  constructor(readonly scope: LoaderScope) {}

  /** The candidate loaders, built together on first use. */
  candidateGroup(): CandidateLoaders {
    const { services, now, request } = this.scope;
    return (this.candidates ??= createCandidateLoaders(services, { ...request, now }));
  }
}
for (const name of Object.keys(LOADER_FACTORIES) as Array<keyof Loaders>) {
  Object.defineProperty(RequestLoaders.prototype, name, {
    enumerable: true,
    get(this: RequestLoaders) {
      const built = this.built as Record<keyof Loaders, unknown>;
      return (built[name] ??= LOADER_FACTORIES[name](this.scope, this));
    },
  });
}

/** `request`: who asks (candidate CVs are per-viewer) and where CV reads are recorded. */
export function createLoaders(services: Services, now: Date, request: { viewer: Viewer; cvAccess: CvAccessRecorder }): Loaders {
  return new RequestLoaders({ services, now, request }) as unknown as Loaders;
}
