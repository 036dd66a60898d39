import type { ContractType } from '../../entities';
import type { OfferModel } from '../offers/offer-search.types';

/** What a partner takes from the agency's offers: each list empty or absent means "all". */
export interface SyndicationPreferences {
  romeCodes: string[];
  /** ROME grand domains: the first letter of the code (A to N). */
  romeDomainCodes: string[];
  regionCodes: string[];
  departmentCodes: string[];
  contractTypes: ContractType[];
}

export type SyndicationStatus = 'OFF' | 'FEED' | 'DELIVERING' | 'RETRYING' | 'PAUSED';

/** A partner's syndication settings as stored (partner_syndication), for Partner.syndication. */
export interface PartnerSyndicationModel {
  partnerId: number;
  enabled: boolean;
  /** The preferences chosen (null: never set). */
  preferences: SyndicationPreferences | null;
  webhookUrl: string | null;
  webhookPaused: boolean;
  failures: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  webhookCursor: string | null;
}

export type ChangeKind = 'UPSERT' | 'REMOVE';

/** One entry of a partner's feed: the offer's state as of the read (UPSERT) or its removal. */
export interface OfferChangeModel {
  cursor: string;
  kind: ChangeKind;
  offerId: number;
  /** Present for UPSERT only. */
  offer: OfferModel | null;
  occurredAt: Date;
}

export interface SyndicationPageModel {
  changes: OfferChangeModel[];
  endCursor: string;
  hasMore: boolean;
  /** First page of a snapshot: drop every offer held from this feed, then apply the changes. */
  reset: boolean;
}

/** A webhook secret, shown once (registration, rotation). */
export interface WebhookSecretModel {
  secret: string;
  partnerId: number;
}
