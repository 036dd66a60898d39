import type { Publisher } from '../auth/viewer';
import type { OfferInput, UpsertStatus } from '../__generated__/resolvers-types';

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
  /** The stored answer of an earlier call with the same batchId. */
  replayed: boolean;
  results: OfferUpsertResultModel[];
}

export interface WithdrawOffersResult {
  withdrawn: string[];
  notFound: string[];
}

/** A full-feed sync's withdrawal: planned, refused by its guard, or applied. */
export interface SyncWithdrawal {
  /** The publisher's ACTIVE offers absent from the feed: withdrawn when `applied`. */
  externalIds: string[];
  /** The publisher's ACTIVE offers before the sync. */
  active: number;
  /** Why the guard refused the sync (nothing withdrawn), else null. */
  refused: string | null;
  applied: boolean;
}

export interface SyncWithdrawalOptions {
  /** Plan only: say what would be withdrawn, write nothing. */
  dryRun?: boolean;
  /** Sees the plan inside the transaction; a reason refuses it (nothing withdrawn). */
  guard?: (plan: { active: number; absent: number }) => string | null;
}

/** The ingestion contract shared by the upsertOffers mutation and the feed importer. */
export interface OfferIngestion {
  /** Validates, then creates/updates the accepted items in one transaction (see IngestionService). */
  upsertOffers(publisher: Publisher, offers: OfferInput[], batchId?: string | null): Promise<UpsertOffersPayloadModel>;
  /** Withdraws these offers of the publisher. */
  withdrawOffers(publisher: Publisher, externalIds: string[]): Promise<WithdrawOffersResult>;
  /** What upsertOffers would answer, without writing (dry run). */
  previewOffers(publisher: Publisher, offers: OfferInput[]): Promise<UpsertOffersPayloadModel>;
  /** Withdraws every ACTIVE offer of the publisher whose externalId is not in `keep` (full-feed sync), unless the guard refuses. */
  withdrawAllExcept(publisher: Publisher, keep: ReadonlySet<string>, options?: SyncWithdrawalOptions): Promise<SyncWithdrawal>;
}

/** Most offers (and externalIds) one call may carry. */
export const MAX_OFFERS_PER_CALL = 5000;

export type { OfferInput };
