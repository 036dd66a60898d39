import { OFFER_READ_COLUMNS, type OfferReadColumn } from '../db/offer-row';

/**
 * Which offer columns each GraphQL Offer field needs: the link between the schema and the offer
 * table, kept out of the SQL builder (offer-search.sql.ts), which only receives column names.
 */

type OfferColumn = OfferReadColumn;

/**
 * The columns each GraphQL Offer field reads (a page fetches only those of the fields the operation
 * selects: fewer columns to read, send and decode, and the description, stored off-page, only when
 * shown). id, partner_id and published_at are always read (identity, cursor, partner/audience
 * rules). A field missing from this map makes a page read every column; a test checks that every
 * Offer field of the schema is here.
 */
export const OFFER_FIELD_COLUMNS: Record<string, readonly OfferColumn[]> = {
  id: [],
  source: ['source'],
  partner: [],
  externalId: ['external_id'],
  title: ['title'],
  description: ['description'],
  romeCode: ['rome_code'],
  rome: ['rome_code'],
  employer: ['employer_name', 'employer_url'],
  location: ['location_label', 'commune_code', 'postal_code', 'city', 'department_code', 'region_code', 'latitude', 'longitude'],
  contractType: ['contract_type'],
  fullTime: ['full_time'],
  salary: ['salary_min', 'salary_max', 'salary_currency', 'salary_period', 'salary_label'],
  experienceLevel: ['experience_level'],
  publishedAt: [],
  updatedAt: ['updated_at'],
  validThrough: ['valid_through'],
  status: ['status', 'valid_through'],
  applyUrl: ['apply_url'],
  reservedForJobseekers: ['reserved_for_jobseekers'],
  distanceKm: [],
  audience: [],
  __typename: [],
};
const ALWAYS_READ: readonly OfferColumn[] = ['id', 'partner_id', 'published_at'];

/**
 * The columns of each Location field, for a selection that names them (`location.city` in
 * OfferQuery.fields): a page showing the city alone reads that column alone, which the covering
 * index of the commonest search holds (migration CoveringPageIndex1765382400000).
 */
export const LOCATION_FIELD_COLUMNS: Record<string, readonly OfferColumn[]> = {
  'location.label': ['location_label'],
  'location.communeCode': ['commune_code'],
  'location.postalCode': ['postal_code'],
  'location.city': ['city'],
  'location.departmentCode': ['department_code'],
  'location.regionCode': ['region_code'],
  'location.latitude': ['latitude'],
  'location.longitude': ['longitude'],
  'location.__typename': [],
};

/**
 * The columns (in OFFER_READ_COLUMNS order) a page reads for these selected fields, or null when a
 * field is not mapped (read every column).
 */
export function columnsForFields(fields: ReadonlySet<string>): OfferColumn[] | null {
  const wanted = new Set<OfferColumn>(ALWAYS_READ);
  const locationParts = [...fields].some((f) => f in LOCATION_FIELD_COLUMNS);
  for (const field of fields) {
    if (field === 'location' && locationParts) continue; // its selected fields name their columns
    const columns = OFFER_FIELD_COLUMNS[field] ?? LOCATION_FIELD_COLUMNS[field];
    if (!columns) return null;
    for (const column of columns) wanted.add(column);
  }
  return OFFER_READ_COLUMNS.filter((c) => wanted.has(c));
}
