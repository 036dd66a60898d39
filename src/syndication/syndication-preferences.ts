import type { ContractType } from '../../entities';
import { BadUserInputError } from '../errors';
import { joinSql, raw, sql, inList, type Sql } from '../db/sql';
import type { SyndicationPreferences } from './syndication.types';

const ROME_CODE = /^[A-N][0-9]{4}$/;
const ROME_DOMAIN = /^[A-N]$/;
const DEPARTMENT_CODE = /^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-8]|98[4-9])$/;
const REGION_CODE = /^[0-9]{2}$/;
const MAX_VALUES = 200;

export const NO_PREFERENCES: SyndicationPreferences = {
  romeCodes: [],
  romeDomainCodes: [],
  regionCodes: [],
  departmentCodes: [],
  contractTypes: [],
};

/** The input of updateSyndicationPreferences, as codegen types it (structural, to avoid a cycle). */
export interface SyndicationPreferencesInputShape {
  romeCodes?: readonly string[] | null;
  romeDomainCodes?: readonly string[] | null;
  regionCodes?: readonly string[] | null;
  departmentCodes?: readonly string[] | null;
  contractTypes?: readonly ContractType[] | null;
}

function codes(values: readonly string[] | null | undefined, field: string, pattern: RegExp, what: string): string[] {
  if (!values) return [];
  if (values.length > MAX_VALUES) throw new BadUserInputError(`${field}: at most ${MAX_VALUES} values`, field);
  const normalized = values.map((v) => String(v).trim().toUpperCase());
  const bad = normalized.find((v) => !pattern.test(v));
  if (bad !== undefined) throw new BadUserInputError(`${field}: "${bad}" is not ${what}`, field);
  return [...new Set(normalized)].sort();
}

/** Validates preferences (BAD_USER_INPUT naming the field); lists are deduplicated and sorted. */
export function normalizePreferences(input: SyndicationPreferencesInputShape): SyndicationPreferences {
  return {
    romeCodes: codes(input.romeCodes, 'input.romeCodes', ROME_CODE, 'a ROME code like M1805'),
    romeDomainCodes: codes(input.romeDomainCodes, 'input.romeDomainCodes', ROME_DOMAIN, 'a ROME grand domain letter (A to N)'),
    regionCodes: codes(input.regionCodes, 'input.regionCodes', REGION_CODE, 'an INSEE region code like 84'),
    departmentCodes: codes(input.departmentCodes, 'input.departmentCodes', DEPARTMENT_CODE, 'a department code like 74, 2A or 971'),
    contractTypes: [...new Set(input.contractTypes ?? [])].sort() as ContractType[],
  };
}

/** Reads the stored JSON: null when the partner never opted in (stored as `null`). */
export function parsePreferences(text: unknown): SyndicationPreferences | null {
  try {
    const parsed = JSON.parse(String(text)) as Partial<SyndicationPreferences> | null;
    if (!parsed) return null;
    return {
      romeCodes: parsed.romeCodes ?? [],
      romeDomainCodes: parsed.romeDomainCodes ?? [],
      regionCodes: parsed.regionCodes ?? [],
      departmentCodes: parsed.departmentCodes ?? [],
      contractTypes: parsed.contractTypes ?? [],
    };
  } catch {
    return NO_PREFERENCES;
  }
}

/** The offer columns preferences look at. */
export interface SyndicableOfferFields {
  partnerId: number | null;
  status: string;
  reservedForJobseekers: boolean;
  romeCode: string | null;
  regionCode: string | null;
  departmentCode: string | null;
  contractType: string;
}

/**
 * Whether an offer belongs in a partner's set: an ACTIVE agency offer, not reserved for job seekers
 * (those never leave the hub), matching every preference list that is not empty.
 */
export function offerMatches(prefs: SyndicationPreferences, offer: SyndicableOfferFields): boolean {
  if (offer.partnerId !== null || offer.status !== 'ACTIVE' || offer.reservedForJobseekers) return false;
  const within = (list: readonly string[], value: string | null) => list.length === 0 || (value !== null && list.includes(value));
  return (
    within(prefs.romeCodes, offer.romeCode) &&
    within(prefs.romeDomainCodes, offer.romeCode ? offer.romeCode.slice(0, 1) : null) &&
    within(prefs.regionCodes, offer.regionCode) &&
    within(prefs.departmentCodes, offer.departmentCode) &&
    within(prefs.contractTypes, offer.contractType)
  );
}

/** offerMatches as an SQL predicate over `offer o` (preferences null: the partner takes nothing). */
export function matchPredicate(prefs: SyndicationPreferences | null): Sql {
  if (!prefs) return raw('1 = 0');
  const parts: Sql[] = [raw("o.partner_id IS NULL AND o.status = 'ACTIVE' AND o.reserved_for_jobseekers = 0")];
  if (prefs.romeCodes.length) parts.push(sql`o.rome_code IN ${inList(prefs.romeCodes)}`);
  if (prefs.romeDomainCodes.length) parts.push(sql`SUBSTR(o.rome_code, 1, 1) IN ${inList(prefs.romeDomainCodes)}`);
  if (prefs.regionCodes.length) parts.push(sql`o.region_code IN ${inList(prefs.regionCodes)}`);
  if (prefs.departmentCodes.length) parts.push(sql`o.department_code IN ${inList(prefs.departmentCodes)}`);
  if (prefs.contractTypes.length) parts.push(sql`o.contract_type IN ${inList(prefs.contractTypes)}`);
  return joinSql(parts, ' AND ');
}
