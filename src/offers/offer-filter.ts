import type { ContractType, OfferSource } from '../../entities';
import { BadUserInputError } from '../errors';
import { localIdOf } from '../lib/ids';
import { getReferentials } from '../referentials/referential.service';
import { decodeCursor } from '../lib/cursor';
import { foldedWords } from '../lib/offer-terms';
import type { OfferFilterSpec, OfferQuery, OfferSortOrder } from './offer-search.types';

/** Documented limits of the public search. */
export const SEARCH_LIMITS = {
  maxFirst: 100,
  maxKeywordsLength: 200,
  maxKeywordTokens: 10,
  minTokenLength: 3,
  maxListSize: 100,
  maxRadiusKm: 500,
} as const;

/** The GraphQL OfferFilter input, as codegen types it (kept structural to avoid a cycle). */
export interface OfferFilterInput {
  keywords?: string | null;
  romeCodes?: readonly string[] | null;
  contractTypes?: readonly ContractType[] | null;
  departmentCodes?: readonly string[] | null;
  regionCodes?: readonly string[] | null;
  near?: { postalCode?: string | null; communeCode?: string | null; radiusKm: number } | null;
  source?: OfferSource | null;
  partnerIds?: readonly string[] | null;
  excludePartnerIds?: readonly string[] | null;
  publishedSince?: Date | null;
  minSalary?: number | null;
}

/** Lower-cased, accent-free words of a keyword string, minus stop words and short words (offer-terms.ts). */
export function tokenizeKeywords(keywords: string): string[] {
  return [...new Set(foldedWords(keywords))];
}

function list<T>(values: readonly T[] | null | undefined, field: string, check?: (v: T) => boolean, what?: string): T[] | undefined {
  if (values === null || values === undefined) return undefined;
  if (values.length > SEARCH_LIMITS.maxListSize) {
    throw new BadUserInputError(`${field}: at most ${SEARCH_LIMITS.maxListSize} values`, field);
  }
  if (check) {
    const bad = values.find((v) => !check(v));
    if (bad !== undefined) throw new BadUserInputError(`${field}: "${String(bad)}" is not ${what}`, field);
  }
  return [...new Set(values)];
}

function partnerIdList(ids: readonly string[] | null | undefined, field: string): number[] | undefined {
  const values = list(ids, field);
  return values?.map((globalId) => {
    const id = localIdOf(globalId, 'Partner');
    if (id === null) throw new BadUserInputError(`${field}: "${globalId}" is not a Partner id`, field);
    return id;
  });
}

const ROME_CODE = /^[A-N][0-9]{4}$/;
const DEPARTMENT_CODE = /^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-8]|98[4-9])$/;
const REGION_CODE = /^[0-9]{2}$/;

/** Validates and normalises a public OfferFilter; every problem is a BAD_USER_INPUT naming its field. */
export function normalizeOfferFilter(input: OfferFilterInput | null | undefined): OfferFilterSpec {
  if (!input) return {};
  const spec: OfferFilterSpec = {};
  if (input.keywords !== null && input.keywords !== undefined) {
    if (input.keywords.length > SEARCH_LIMITS.maxKeywordsLength) {
      throw new BadUserInputError(`filter.keywords: at most ${SEARCH_LIMITS.maxKeywordsLength} characters`, 'filter.keywords');
    }
    const tokens = tokenizeKeywords(input.keywords);
    if (tokens.length > SEARCH_LIMITS.maxKeywordTokens) {
      throw new BadUserInputError(`filter.keywords: at most ${SEARCH_LIMITS.maxKeywordTokens} words`, 'filter.keywords');
    }
    if (tokens.length > 0) spec.keywordTokens = tokens;
  }
  // (Only the filters given become properties: deleting the others afterwards left the spec a
  // dictionary-mode object, slower to read for every clause the page's SQL builds from it.)
  const romeCodes = list(
    input.romeCodes?.map((c) => c.toUpperCase()),
    'filter.romeCodes',
    (c) => ROME_CODE.test(c),
    'a ROME code like M1805',
  );
  if (romeCodes) spec.romeCodes = romeCodes;
  const contractTypes = list(input.contractTypes, 'filter.contractTypes');
  if (contractTypes) spec.contractTypes = contractTypes;
  const departmentCodes = list(
    input.departmentCodes?.map((c) => c.toUpperCase()),
    'filter.departmentCodes',
    (c) => DEPARTMENT_CODE.test(c),
    'a department code like 74, 2A or 971',
  );
  if (departmentCodes) spec.departmentCodes = departmentCodes;
  const regionCodes = list(input.regionCodes, 'filter.regionCodes', (c) => REGION_CODE.test(c), 'an INSEE region code like 84');
  if (regionCodes) spec.regionCodes = regionCodes;
  if (input.near) spec.near = resolveNear(input.near);
  if (input.source) spec.source = input.source;
  const partnerIds = partnerIdList(input.partnerIds, 'filter.partnerIds');
  if (partnerIds) spec.partnerIds = partnerIds;
  const excludePartnerIds = partnerIdList(input.excludePartnerIds, 'filter.excludePartnerIds');
  if (excludePartnerIds) spec.excludePartnerIds = excludePartnerIds;
  if (input.publishedSince) spec.publishedSince = input.publishedSince;
  if (input.minSalary !== null && input.minSalary !== undefined) {
    if (!(input.minSalary >= 0)) throw new BadUserInputError('filter.minSalary: must be 0 or more', 'filter.minSalary');
    spec.minSalary = input.minSalary;
  }
  return spec;
}

function resolveNear(near: NonNullable<OfferFilterInput['near']>): NonNullable<OfferFilterSpec['near']> {
  const { radiusKm } = near;
  if (!(radiusKm > 0) || radiusKm > SEARCH_LIMITS.maxRadiusKm) {
    throw new BadUserInputError(
      `filter.near.radiusKm: must be more than 0 and at most ${SEARCH_LIMITS.maxRadiusKm}`,
      'filter.near.radiusKm',
    );
  }
  const referentials = getReferentials();
  let commune;
  if (near.communeCode) {
    commune = referentials.commune(near.communeCode.toUpperCase());
    if (!commune)
      throw new BadUserInputError(`filter.near.communeCode: unknown INSEE commune code "${near.communeCode}"`, 'filter.near.communeCode');
  } else if (near.postalCode) {
    commune = referentials.resolveLocation({ postalCode: near.postalCode });
    if (!commune) throw new BadUserInputError(`filter.near.postalCode: unknown postal code "${near.postalCode}"`, 'filter.near.postalCode');
  } else {
    throw new BadUserInputError('filter.near: give a postalCode or a communeCode', 'filter.near');
  }
  if (commune.latitude === null || commune.longitude === null) {
    throw new BadUserInputError(`filter.near: no coordinates are known for commune ${commune.code}`, 'filter.near');
  }
  return { latitude: commune.latitude, longitude: commune.longitude, radiusKm };
}

/** Validates paging arguments and builds the query; RELEVANCE/DISTANCE fall back when they cannot apply. */
export function buildOfferQuery(args: {
  filter?: OfferFilterInput | null;
  sort?: OfferSortOrder | null;
  first?: number | null;
  after?: string | null;
  partnerId?: number | null;
}): OfferQuery {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > SEARCH_LIMITS.maxFirst) {
    throw new BadUserInputError(`first: must be between 0 and ${SEARCH_LIMITS.maxFirst} (got ${first})`, 'first');
  }
  const filter = normalizeOfferFilter(args.filter);
  let sort: OfferSortOrder = args.sort ?? 'PUBLISHED_DESC';
  if (sort === 'DISTANCE' && !filter.near) {
    throw new BadUserInputError('sort: DISTANCE needs filter.near', 'sort');
  }
  if (sort === 'RELEVANCE' && !filter.keywordTokens) sort = 'PUBLISHED_DESC';
  const after = args.after ? decodeCursor(args.after, sort) : null;
  return { filter, sort, first, after, partnerId: args.partnerId ?? null };
}
