import type { OfferEntity } from '../../entities/offers/offer.entity';
import { toDbDateTime } from './sql';
import { LOCATION_COLUMNS } from './location-columns';

/**
 * One offer as the seeders and importers produce it: every OfferEntity column except the
 * generated `id` and the publisher keys (`partnerId`, `partnerKey`), which the seeder sets once
 * it knows the partner's row id. A plain object type (no class), so that a million rows stay
 * cheap and can be written with a bulk INSERT.
 */
export type OfferRow = Omit<OfferEntity, 'id' | 'partnerId' | 'partnerKey'>;

/** An offer row with its publisher resolved to a partner row id (null: the agency). */
export interface PublishedOfferRow {
  partnerId: number | null;
  row: OfferRow;
}

/**
 * The offer table's columns but its generated id, in the order offerWriteValues gives their values:
 * every offer write (bulk loads, the seed, ingestion upserts) lists them so.
 */
export const OFFER_WRITE_COLUMNS = [
  'source',
  'partner_id',
  'partner_key',
  'external_id',
  'title',
  'description',
  'rome_code',
  'employer_name',
  'employer_url',
  'location_label',
  ...LOCATION_COLUMNS,
  'contract_type',
  'full_time',
  'salary_min',
  'salary_max',
  'salary_currency',
  'salary_period',
  'salary_label',
  'salary_yearly_min',
  'experience_level',
  'published_at',
  'updated_at',
  'valid_through',
  'status',
  'apply_url',
  'reserved_for_jobseekers',
  'content_hash',
] as const;

/** The values of one offer row, in OFFER_WRITE_COLUMNS order, as both engines store them. */
export function offerWriteValues({ partnerId, row: r }: PublishedOfferRow): unknown[] {
  const bool = (b: boolean | null) => (b === null ? null : b ? 1 : 0);
  return [
    r.source,
    partnerId,
    partnerId ?? 0,
    r.externalId,
    r.title,
    r.description,
    r.romeCode,
    r.employerName,
    r.employerUrl,
    r.locationLabel,
    r.communeCode,
    r.postalCode,
    r.city,
    r.departmentCode,
    r.regionCode,
    r.latitude,
    r.longitude,
    r.contractType,
    bool(r.fullTime),
    r.salaryMin,
    r.salaryMax,
    r.salaryCurrency,
    r.salaryPeriod,
    r.salaryLabel,
    r.salaryYearlyMin,
    r.experienceLevel,
    toDbDateTime(r.publishedAt),
    toDbDateTime(r.updatedAt),
    r.validThrough ? toDbDateTime(r.validThrough) : null,
    r.status,
    r.applyUrl,
    r.reservedForJobseekers ? 1 : 0,
    r.contentHash,
  ];
}

export type OfferWriteColumn = (typeof OFFER_WRITE_COLUMNS)[number];

/** The columns an Offer is read from: its id and every written column but the two only writes use (the publisher key, the content hash). */
export type OfferReadColumn = 'id' | Exclude<OfferWriteColumn, 'partner_key' | 'content_hash'>;

/**
 * OfferReadColumn in table order (id first, then OFFER_WRITE_COLUMNS' order): the read path's
 * select list (src/offers/offer-search.sql.ts; src/offers/offer-fields.ts maps GraphQL fields to them).
 */
export const OFFER_READ_COLUMNS: readonly OfferReadColumn[] = [
  'id',
  ...OFFER_WRITE_COLUMNS.filter(
    (c): c is Exclude<OfferWriteColumn, 'partner_key' | 'content_hash'> => c !== 'partner_key' && c !== 'content_hash',
  ),
];

/** The columns an OfferRow must always carry; everything else has a sensible default. */
export type RequiredOfferFields = Pick<OfferRow, 'externalId' | 'title'>;

/**
 * Completes a partial offer with the defaults of a plain, active, agency offer published at
 * `now` (no location, no salary, permanent contract). For tests, factories and importers that
 * only know a few fields.
 */
export function fillOfferDefaults(partial: RequiredOfferFields & Partial<OfferRow>, now: Date = new Date()): OfferRow {
  const publishedAt = partial.publishedAt ?? now;
  return {
    source: 'AGENCY',
    description: '',
    romeCode: null,
    employerName: null,
    employerUrl: null,
    locationLabel: null,
    communeCode: null,
    postalCode: null,
    city: null,
    departmentCode: null,
    regionCode: null,
    latitude: null,
    longitude: null,
    contractType: 'PERMANENT',
    fullTime: null,
    salaryMin: null,
    salaryMax: null,
    salaryCurrency: null,
    salaryPeriod: null,
    salaryLabel: null,
    salaryYearlyMin: null,
    experienceLevel: null,
    validThrough: null,
    status: 'ACTIVE',
    applyUrl: null,
    reservedForJobseekers: false,
    contentHash: null,
    ...partial,
    publishedAt,
    updatedAt: partial.updatedAt ?? publishedAt,
  };
}
