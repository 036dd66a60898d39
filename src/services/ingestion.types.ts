import type { OfferInput, UpsertStatus } from '../__generated__/resolvers-types';

/** Who publishes: a partner (its offers keyed by its id) or the agency itself. */
export type Publisher = { kind: 'PARTNER'; partnerId: number } | { kind: 'AGENCY' };

/** A problem with one input item; `field` is a path inside the item (`location.postalCode`). */
export interface InputErrorModel {
  field: string;
  code: string;
  message: string;
}

export interface OfferUpsertResultModel {
  externalId: string;
  status: UpsertStatus;
  /** The stored offer's id (null when rejected). */
  offerId: number | null;
  errors: InputErrorModel[];
}

export interface UpsertOffersPayloadModel {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  results: OfferUpsertResultModel[];
}

export interface WithdrawOffersResult {
  withdrawn: string[];
  notFound: string[];
}

/** The ingestion contract shared by the upsertOffers mutation and the feed importer. */
export interface OfferIngestion {
  /** Validates, then creates/updates the accepted items in one transaction (see IngestionService). */
  upsertOffers(publisher: Publisher, offers: OfferInput[], batchId?: string | null): Promise<UpsertOffersPayloadModel>;
  /** Withdraws these offers of the publisher. */
  withdrawOffers(publisher: Publisher, externalIds: string[]): Promise<WithdrawOffersResult>;
  /** Withdraws every ACTIVE offer of the publisher whose externalId is not in `keep` (full-feed sync). */
  withdrawAllExcept(publisher: Publisher, keep: ReadonlySet<string>): Promise<string[]>;
}

/** Most offers (and externalIds) one call may carry. */
export const MAX_OFFERS_PER_CALL = 5000;

export type { OfferInput };
