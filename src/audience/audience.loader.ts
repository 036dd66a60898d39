import DataLoader from 'dataloader';
import type { Services } from '../services';
import type { OfferAudienceModel } from './audience.types';

/** Per-request audience loaders (see Loaders). */
export interface AudienceLoaders {
  /** Offer.audience: the last 30 days of many offers in one GROUP BY (callers check who may see it). */
  offerAudienceByOfferId: DataLoader<number, OfferAudienceModel>;
}

export function createAudienceLoaders(services: Services, now: Date): AudienceLoaders {
  return {
    offerAudienceByOfferId: new DataLoader((ids) => services.audience.offerAudience(ids, now)),
  };
}
