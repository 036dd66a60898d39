import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ContractType } from '../../entities/offers/offer.entity';
import { SHIPPED_DATA_DIR } from '../lib/paths';
import { COMMUNE_FIELDS, COMMUNES_FILE, getReferentials, type CommunesFile } from '../referentials/referential.service';
import type { Commune } from '../referentials/referential.types';
import type { OfferRow } from '../db/offer-row';

export { fillOfferDefaults } from '../db/offer-row';

export interface SyntheticOfferOptions {
  seed: number;
  /** Offers are published in the 120 days before `now`. */
  now: Date;
  /** Publishers to spread partner offers over; the first ones get the most (a few big boards). */
  partnerCodes: string[];
  /** Real offers to recombine (title, description, ROME code, employer, salary, experience). */
  templates: OfferRow[];
  /** Places to draw from; default: the current communes of the referentials that have a centre. */
  communes?: Commune[];
  /** Relative weight of a commune; default: its population (uniform when unknown). */
  communeWeight?: (commune: Commune) => number;
  /** Share of offers published by partners (default 0.5; 0 when partnerCodes is empty). */
  partnerShare?: number;
}

export interface SyntheticOffer {
  /** The publishing partner's code, or null for an agency offer. */
  partnerCode: string | null;
  row: OfferRow;
}

export interface SyntheticOfferGenerator {
  /** Offer number `i`: a pure function of (seed, i), whatever the order of the calls. */
  next(i: number): SyntheticOffer;
}

// Hot-path aliases: a global lookup (Math.imul, new Date) costs ~40x more inside a vm context
// such as jest's sandbox than a module constant does.
const { imul, floor, min, max, pow } = Math;
const DateCtor = Date;
const { isSafeInteger } = Number;

const DAY_MS = 86_400_000;
const PUBLISHED_WITHIN_DAYS = 120;

/**
 * Contract mix close to France Travail's published offers (the shipped sample has 53 % CDI,
 * 21 % intérim, 19 % CDD), with a little more seasonal and work-study work than two departments
 * in summer show.
 */
const CONTRACT_MIX: ReadonlyArray<[ContractType, number]> = [
  ['PERMANENT', 0.5],
  ['FIXED_TERM', 0.22],
  ['TEMPORARY', 0.18],
  ['SEASONAL', 0.04],
  ['APPRENTICESHIP', 0.04],
  ['FREELANCE', 0.02],
];

/** Zipf exponent of the partner sizes: with 40 partners the biggest has ~28 %, the 10th ~2 %. */
const PARTNER_ZIPF = 1.2;

/** Share of agency offers reserved for job seekers (the flag is synthetic in the real data too). */
const RESERVED_SHARE = 0.1;

/** Up to ~1.5 km around the commune centre, so that offers of one town do not share one point. */
const JITTER_DEGREES = 0.015;

/** murmur3's 32-bit finaliser: spreads (seed, i) over the whole state space. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Cumulative weights, for O(log n) weighted draws with one random number. */
function cumulative(weights: ArrayLike<number>): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    total += Number.isFinite(w) && w > 0 ? w : 0;
    sums[i] = total;
  }
  if (total <= 0) for (let i = 0; i < sums.length; i++) sums[i] = i + 1; // all zero: uniform
  return sums;
}

function pickWeighted(sums: Float64Array, r: number): number {
  const target = r * sums[sums.length - 1];
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sums[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Population by INSEE code, from the commune file the referentials ship (the Commune type does
 * not carry it). Empty when the file or the field is missing: the generator then draws uniformly.
 */
export function loadCommunePopulations(dir: string = SHIPPED_DATA_DIR): Map<string, number> {
  const populations = new Map<string, number>();
  try {
    const file = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, COMMUNES_FILE))).toString('utf8')) as CommunesFile;
    const fields: readonly string[] = file.fields ?? COMMUNE_FIELDS;
    const codeAt = fields.indexOf('code');
    const populationAt = fields.indexOf('population');
    if (codeAt < 0 || populationAt < 0) return populations;
    for (const tuple of file.communes) {
      const population = tuple[populationAt];
      if (typeof population === 'number' && population > 0) populations.set(String(tuple[codeAt]), population);
    }
  } catch {
    // No population data: uniform draws are still valid offers.
  }
  return populations;
}

/** Precomputed per-place values, so that a row only copies references. */
interface Place {
  code: string;
  postalCodes: string[];
  city: string;
  /** France Travail's style: "74 - ANNECY". */
  label: string;
  departmentCode: string;
  regionCode: string;
  latitude: number;
  longitude: number;
}

/**
 * Deterministic generator of realistic offers for seeding and benchmarks: real offers'
 * content recombined over real communes (weighted by population), contract types in realistic
 * proportions, publication dates over the last 120 days, about half from partners with a few
 * big ones. Uses a seeded PRNG (mulberry32), never Math.random; row i only depends on (seed, i).
 * Cheap per row (no string building except the external id), for millions of rows.
 */
export function createSyntheticOfferGenerator(opts: SyntheticOfferOptions): SyntheticOfferGenerator {
  const { templates, now } = opts;
  if (templates.length === 0) throw new Error('createSyntheticOfferGenerator: at least one template offer is needed');
  if (Number.isNaN(now.getTime())) throw new Error('createSyntheticOfferGenerator: `now` is not a valid date');
  const partnerCodes = [...opts.partnerCodes];
  const partnerShare = partnerCodes.length === 0 ? 0 : min(1, max(0, opts.partnerShare ?? 0.5));

  // --- places, once
  const candidates = (opts.communes ?? getReferentials().allCommunes({ currentOnly: true })).filter(
    (c) => c.latitude !== null && c.longitude !== null,
  );
  if (candidates.length === 0) throw new Error('createSyntheticOfferGenerator: no commune with coordinates');
  const places: Place[] = candidates.map((c) => ({
    code: c.code,
    postalCodes: c.postalCodes.length > 0 ? c.postalCodes : [''],
    city: c.name,
    label: `${c.departmentCode} - ${c.name.toUpperCase()}`,
    departmentCode: c.departmentCode,
    regionCode: c.regionCode,
    latitude: c.latitude!,
    longitude: c.longitude!,
  }));
  let weightOf = opts.communeWeight;
  if (!weightOf) {
    const populations = loadCommunePopulations();
    weightOf = populations.size > 0 ? (c) => populations.get(c.code) ?? 1 : () => 1;
  }
  const placeSums = cumulative(candidates.map(weightOf));

  // --- partners and contracts, once
  const partnerSums = cumulative(partnerCodes.map((_code, rank) => 1 / pow(rank + 1, PARTNER_ZIPF)));
  // On the reserved .example domain: plausible, never a real site.
  const applyBases = partnerCodes.map((code) => `https://jobs.example/${encodeURIComponent(code)}/offres/`);
  const contractSums = cumulative(CONTRACT_MIX.map(([, share]) => share));
  const nowMs = now.getTime();
  const seed = opts.seed | 0;

  // mulberry32, re-seeded for every row from (seed, i)
  let state = 0;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  return {
    next(i: number): SyntheticOffer {
      if (!isSafeInteger(i) || i < 0) throw new Error(`synthetic offer index must be a non-negative integer, got ${i}`);
      state = mix32(mix32(seed ^ 0x9e3779b9) ^ mix32(i % 0x100000000) ^ mix32(floor(i / 0x100000000) + 0x7f4a7c15));

      const template = templates[floor(rand() * templates.length)];
      const place = places[pickWeighted(placeSums, rand())];
      const postalCode = place.postalCodes[floor(rand() * place.postalCodes.length)];
      const contractType = CONTRACT_MIX[pickWeighted(contractSums, rand())][0];
      const partnerIndex = rand() < partnerShare ? pickWeighted(partnerSums, rand()) : -1;
      const partnerCode = partnerIndex < 0 ? null : partnerCodes[partnerIndex];

      const ageMs = rand() * PUBLISHED_WITHIN_DAYS * DAY_MS;
      const publishedMs = floor(nowMs - ageMs);
      // Two offers in five were updated after publication, within two weeks.
      const updatedMs = rand() < 0.4 ? floor(publishedMs + rand() * min(ageMs, 14 * DAY_MS)) : publishedMs;
      // A third say until when they run; always in the future, so ACTIVE stays consistent.
      const validThrough = rand() < 0.3 ? new DateCtor(nowMs + (7 + floor(rand() * 84)) * DAY_MS) : null;
      const r = rand();
      const fullTime = contractType === 'APPRENTICESHIP' ? true : r < 0.75 ? true : r < 0.9 ? false : null;
      const latitude = place.latitude + (rand() - 0.5) * 2 * JITTER_DEGREES;
      const longitude = place.longitude + (rand() - 0.5) * 2 * JITTER_DEGREES;
      const reservedForJobseekers = partnerCode === null && rand() < RESERVED_SHARE;
      const externalId = `syn-${i}`;

      const row: OfferRow = {
        source: partnerCode === null ? 'AGENCY' : 'PARTNER',
        externalId,
        title: template.title,
        description: template.description,
        romeCode: template.romeCode,
        employerName: template.employerName,
        employerUrl: template.employerUrl,
        locationLabel: place.label,
        communeCode: place.code,
        postalCode: postalCode || null,
        city: place.city,
        departmentCode: place.departmentCode,
        regionCode: place.regionCode,
        latitude,
        longitude,
        contractType,
        fullTime,
        salaryMin: template.salaryMin,
        salaryMax: template.salaryMax,
        salaryCurrency: template.salaryCurrency,
        salaryPeriod: template.salaryPeriod,
        salaryLabel: template.salaryLabel,
        salaryYearlyMin: template.salaryYearlyMin,
        experienceLevel: template.experienceLevel,
        publishedAt: new DateCtor(publishedMs),
        updatedAt: new DateCtor(updatedMs),
        validThrough,
        status: 'ACTIVE',
        applyUrl: partnerIndex < 0 ? null : applyBases[partnerIndex] + externalId,
        reservedForJobseekers,
        contentHash: null,
      };
      return { partnerCode, row };
    },
  };
}
