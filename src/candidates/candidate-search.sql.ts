import { columnList, inList, joinSql, limit, raw, Sql, sql, toDbDateTime } from '../db/sql';
import { boundingBoxDegrees, haversineKmSql } from '../referentials/geo';
import type { CandidateFilterSpec, CandidateQuery } from './candidate.types';
import { LOCATION_COLUMNS } from '../db/location-columns';

/**
 * Hand-written SQL for the CV read path, the same text on both engines (like offer-search.sql.ts).
 * A PARTNER's reads join each CV to the one consent that covers that partner, computed in the same
 * statement: the consent check of a whole page (or of a batch of ids) is one statement, never one
 * per CV, and a CV without a covering consent is simply not there.
 */

/**
 * A CV's content columns, in table order: what publish and update write (with search_text,
 * candidate_ref and updated_at: CV_WRITE_COLUMNS) and every read returns.
 */
export const CV_CONTENT_COLUMNS = [
  'headline',
  'summary',
  'skills',
  'rome_codes',
  'experiences',
  'education',
  'languages',
  'driving_licences',
  'desired_contract_types',
  ...LOCATION_COLUMNS,
  'mobility_radius_km',
  'available_from',
] as const;

/** Columns a CandidateCV needs (not search_text), read by cvFromRow. */
export const CV_COLUMNS = ['id', 'pseudonym', 'candidate_ref', ...CV_CONTENT_COLUMNS, 'created_at', 'updated_at'] as const;

export const CONSENT_COLUMNS = [
  'id',
  'cv_id',
  'partner_id',
  'share_contact',
  'granted_at',
  'expires_at',
  'revoked_at',
  'expired_at',
] as const;

const SELECT_CV_COLUMNS = columnList(CV_COLUMNS, 'cv');
/** The covering consent's columns, prefixed `consent_` (read by consentFromRow(row, 'consent_')). */
const SELECT_COVERING_CONSENT = raw(CONSENT_COLUMNS.map((c) => `c.${c} AS consent_${c}`).join(', '));

/**
 * `JOIN consent c` on the best consent covering this partner now: active (not revoked, not
 * expired), for every partner or for this one; one that shares the contact first, then the one
 * lasting longest. Plus: the partner itself must be ACTIVE (a suspended partner sees no CV).
 */
function coveringConsentJoin(partnerId: number, now: Date): Sql {
  const at = toDbDateTime(now);
  return sql`JOIN consent c ON c.id = (SELECT c2.id FROM consent c2 WHERE c2.cv_id = cv.id AND c2.revoked_at IS NULL AND c2.expires_at > ${at} AND (c2.partner_id IS NULL OR c2.partner_id = ${partnerId}) ORDER BY c2.share_contact DESC, c2.expires_at DESC, c2.id DESC LIMIT 1) AND EXISTS (SELECT 1 FROM partner p WHERE p.id = ${partnerId} AND p.status = 'ACTIVE')`;
}

/**
 * The CV has one of these terms. With a department filter the term rows are narrowed by their copy
 * of the CV's department too, so the search reads one (kind, value, department) index range.
 */
function hasTerm(kind: 'ROME' | 'SKILL' | 'CONTRACT', values: string[], departmentCodes: string[] | undefined): Sql {
  const inDepartments = departmentCodes ? sql` AND t.department_code IN ${inList(departmentCodes)}` : raw('');
  return sql`EXISTS (SELECT 1 FROM candidate_cv_term t WHERE t.cv_id = cv.id AND t.kind = ${kind} AND t.value IN ${inList(values)}${inDepartments})`;
}

/** WHERE clauses of a filter (always at least one). */
export function candidateWhere(filter: CandidateFilterSpec): Sql {
  const clauses: Sql[] = [raw('1 = 1')];
  // search_text is normalised words, each after a space: ' word%' is a word-prefix match.
  for (const token of filter.keywordTokens ?? []) clauses.push(sql`cv.search_text LIKE ${`% ${token}%`}`);
  const departments = filter.departmentCodes;
  if (filter.romeCodes) clauses.push(hasTerm('ROME', filter.romeCodes, departments));
  for (const skill of filter.skills ?? []) clauses.push(hasTerm('SKILL', [skill], departments));
  if (filter.contractTypes) clauses.push(hasTerm('CONTRACT', filter.contractTypes, departments));
  if (filter.departmentCodes) clauses.push(sql`cv.department_code IN ${inList(filter.departmentCodes)}`);
  if (filter.near) {
    const { latitude, longitude, radiusKm } = filter.near;
    const { dLat, dLon } = boundingBoxDegrees(latitude, radiusKm);
    // The candidate lives within radiusKm (bounding box first, for the index) and would travel this far.
    clauses.push(sql`cv.latitude BETWEEN ${latitude - dLat} AND ${latitude + dLat}`);
    clauses.push(sql`cv.longitude BETWEEN ${longitude - dLon} AND ${longitude + dLon}`);
    const distance = haversineKmSql('cv', latitude, longitude);
    clauses.push(sql`${distance} <= ${radiusKm}`);
    clauses.push(sql`${distance} <= cv.mobility_radius_km`);
  }
  if (filter.availableBefore) clauses.push(sql`(cv.available_from IS NULL OR cv.available_from <= ${filter.availableBefore})`);
  return joinSql(clauses, ' AND ');
}

/**
 * The term a page is driven by: one ROME code and no department filter. Such a page walks that
 * code's terms newest first on ix_candidate_cv_term_recent (their copy of the CV's updated_at) and
 * stops once it has a page, instead of reading and sorting every CV of a common occupation (with a
 * department, ix_candidate_cv_term_department already narrows the rows to a few hundred).
 */
function drivingRomeCode(filter: CandidateFilterSpec): string | null {
  return filter.romeCodes?.length === 1 && !filter.departmentCodes ? filter.romeCodes[0] : null;
}

/** One page, `first + 1` rows (the extra one tells hasNextPage), newest update first. */
export function candidatePage(query: CandidateQuery, partner: { partnerId: number; now: Date } | null): Sql {
  const romeCode = drivingRomeCode(query.filter);
  const clauses = [candidateWhere(romeCode ? { ...query.filter, romeCodes: undefined } : query.filter)];
  // The order columns: the driving term's copies, or the CV's own.
  const at = raw(romeCode ? 'dt.cv_updated_at' : 'cv.updated_at');
  const id = raw(romeCode ? 'dt.cv_id' : 'cv.id');
  if (romeCode) clauses.push(sql`dt.kind = 'ROME' AND dt.value = ${romeCode}`);
  if (query.after) {
    const after = toDbDateTime(new Date(query.after.updatedAt));
    clauses.push(sql`${at} <= ${after} AND (${at} < ${after} OR (${at} = ${after} AND ${id} < ${query.after.id}))`);
  }
  const select = partner ? sql`${SELECT_CV_COLUMNS}, ${SELECT_COVERING_CONSENT}` : SELECT_CV_COLUMNS;
  const from = raw(romeCode ? 'candidate_cv_term dt JOIN candidate_cv cv ON cv.id = dt.cv_id' : 'candidate_cv cv');
  const join = partner ? sql` ${coveringConsentJoin(partner.partnerId, partner.now)}` : raw('');
  return sql`SELECT ${select} FROM ${from}${join} WHERE ${joinSql(clauses, ' AND ')} ORDER BY ${at} DESC, ${id} DESC LIMIT ${limit(query.first + 1)}`;
}

/** CVs by id: for a partner, only those a consent covers (with that consent). */
export function candidatesByIds(ids: number[], partner: { partnerId: number; now: Date } | null): Sql {
  if (!partner) return sql`SELECT ${SELECT_CV_COLUMNS} FROM candidate_cv cv WHERE cv.id IN ${inList(ids)}`;
  return sql`SELECT ${SELECT_CV_COLUMNS}, ${SELECT_COVERING_CONSENT} FROM candidate_cv cv ${coveringConsentJoin(partner.partnerId, partner.now)} WHERE cv.id IN ${inList(ids)}`;
}

export function contactsByCvIds(cvIds: number[]): Sql {
  return sql`SELECT cv_id, name, email, phone FROM candidate_contact WHERE cv_id IN ${inList(cvIds)}`;
}

const SELECT_CONSENT_COLUMNS = columnList(CONSENT_COLUMNS);

export function consentsByCvIds(cvIds: number[]): Sql {
  return sql`SELECT ${SELECT_CONSENT_COLUMNS} FROM consent WHERE cv_id IN ${inList(cvIds)} ORDER BY id DESC`;
}

export function consentsByIds(ids: number[]): Sql {
  return sql`SELECT ${SELECT_CONSENT_COLUMNS} FROM consent WHERE id IN ${inList(ids)}`;
}

export const ACCESS_LOG_COLUMNS = [
  'id',
  'partner_id',
  'api_key_id',
  'cv_pseudonym',
  'consent_id',
  'field',
  'request_id',
  'accessed_at',
] as const;

export function accessLogByPseudonyms(pseudonyms: string[]): Sql {
  return sql`SELECT ${columnList(ACCESS_LOG_COLUMNS)} FROM cv_access_log WHERE cv_pseudonym IN ${inList(pseudonyms)} ORDER BY accessed_at DESC, id DESC`;
}
