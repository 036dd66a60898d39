import DataLoader from 'dataloader';
import type { AudienceService } from './audience.service';
import type { OfferAudienceModel } from './audience.types';

/** Per-request audience loaders (see Loaders). */
export interface AudienceLoaders {
  /** Offer.audience: the last 30 days of many offers in one GROUP BY (callers check who may see it). */
  offerAudienceByOfferId: DataLoader<number, OfferAudienceModel>;
}

export function createAudienceLoaders(audience: AudienceService, now: Date): AudienceLoaders {
  return {
    offerAudienceByOfferId: new DataLoader((ids) => audience.offerAudience(ids, now)),
  };
}
