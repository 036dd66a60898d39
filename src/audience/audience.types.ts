import type { PartnerEntity } from '../../entities';

/** What the site reports: an offer shown in a list, its page opened, its apply link followed. */
export const AUDIENCE_EVENT_TYPES = ['IMPRESSION', 'VIEW', 'APPLY_CLICK'] as const;
export type AudienceEventTypeName = (typeof AUDIENCE_EVENT_TYPES)[number];

export type Granularity = 'DAY' | 'WEEK' | 'MONTH';

/** Most events one recordAudienceEvents call may carry. */
export const MAX_EVENTS_PER_CALL = 10_000;
/** Longest audience report, in days (from and to included). */
export const MAX_REPORT_DAYS = 366;
/** Offer.audience covers this many Europe/Paris days, today included. */
export const OFFER_AUDIENCE_DAYS = 30;
/** Longest visitorId accepted. */
export const MAX_VISITOR_ID_LENGTH = 256;

/** One event as the site sends it (occurredAt already parsed by the DateTime scalar). */
export interface AudienceEventInputModel {
  offerId: string;
  type: string;
  visitorId: string;
  occurredAt: Date;
}

/** Why one event was rejected: `index` is its position in the call. */
export interface AudienceEventErrorModel {
  index: number;
  field: string;
  code: string;
  message: string;
}

export interface RecordAudiencePayloadModel {
  accepted: number;
  rejected: number;
  errors: AudienceEventErrorModel[];
}

export interface AudienceCountsModel {
  impressions: number;
  views: number;
  applyClicks: number;
  uniqueVisitors: number;
}

/** One period of a series: from periodStart to periodEnd (both included, clipped to the report's range). */
export interface AudiencePointModel extends AudienceCountsModel {
  periodStart: string;
  periodEnd: string;
}

export interface AudienceReportModel {
  /** The partner reported on; null for the whole site. */
  partner: PartnerEntity | null;
  from: string;
  to: string;
  granularity: Granularity;
  series: AudiencePointModel[];
  totals: AudienceCountsModel;
}

export interface AudienceReportRequest {
  /** null: the viewer's own partner (PARTNER) or the whole site (AGENCY). */
  partnerId: number | null;
  from: string;
  to: string;
  granularity: Granularity;
}

/** An offer's audience over the last OFFER_AUDIENCE_DAYS days. */
export interface OfferAudienceModel {
  from: string;
  to: string;
  impressions: number;
  views: number;
  applyClicks: number;
}
