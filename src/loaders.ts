import type { Viewer } from './auth/viewer';
import type { Services } from './services';
import type { CvAccessRecorder } from './candidates/cv-access-recorder';
import { createAudienceLoaders, type AudienceLoaders } from './audience/audience.loader';
import { createCandidateLoaders, type CandidateLoaders } from './candidates/candidate.loader';
import { OFFER_LOADERS, type OfferLoaders } from './offers/offer.loader';
import { createPartnerLoaders, type PartnerLoaders } from './partners/partner.loader';
import { createSyndicationLoaders, type SyndicationLoaders } from './syndication/syndication.loader';

/**
 * Per-request DataLoaders: built fresh for every request (never shared, so no viewer sees another's
 * rows and nothing is stale), each batching one kind of lookup into one SQL statement. Each domain
 * defines its own (src/<domain>/*.loader.ts); this file only assembles them, lazily.
 */
export interface Loaders extends CandidateLoaders, AudienceLoaders, OfferLoaders, PartnerLoaders, SyndicationLoaders {}

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
  syndicationByPartnerId: ({ services }) => createSyndicationLoaders(services.syndication).syndicationByPartnerId,
  partnerById: ({ services }) => createPartnerLoaders(services.partners).partnerById,
  ...offerLoaders(),
};

/** The offer loaders' factories, over this request's offer service, viewer and instant. */
function offerLoaders(): { [K in keyof OfferLoaders]: (scope: LoaderScope) => OfferLoaders[K] } {
  const built = {} as { [K in keyof OfferLoaders]: (scope: LoaderScope) => OfferLoaders[K] };
  for (const name of Object.keys(OFFER_LOADERS) as Array<keyof OfferLoaders>) {
    const factory = OFFER_LOADERS[name] as (scope: { offers: Services['offers']; viewer: Viewer; now: Date }) => unknown;
    (built as Record<string, unknown>)[name] = ({ services, now, request }: LoaderScope) =>
      factory({ offers: services.offers, viewer: request.viewer, now });
  }
  return built;
}

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
