import type { OfferEntity } from '../../entities/offers/offer.entity';

/**
 * One offer as the seeders and importers produce it: every OfferEntity column except the
 * generated `id` and the publisher keys (`partnerId`, `partnerKey`), which the seeder sets once
 * it knows the partner's row id. A plain object type (no class), so that a million rows stay
 * cheap and can be written with a bulk INSERT.
 */
export type OfferRow = Omit<OfferEntity, 'id' | 'partnerId' | 'partnerKey'>;

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
