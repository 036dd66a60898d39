import type { BenchFixtures } from './fixtures';

/** Selection of one search page, shared by every scenario and by the reference server. */
const PAGE_SELECTION = `edges { node { id title publishedAt location { city } partner { name } } } pageInfo { endCursor hasNextPage }`;

const FACETS_SELECTION = `totalCount facets { contractType { value count } departmentCode { value count } source { value count } partner { value count } romeCode { value count } }`;

/** Query (a), also sent unchanged to the reference server. */
export const OFFERS_PAGE_QUERY = `query OffersPage($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { ${PAGE_SELECTION} } }`;

/** Query (b): the page plus its total and its five facet dimensions. */
export const OFFERS_FACETED_QUERY = `query OffersFaceted($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { ${PAGE_SELECTION} ${FACETS_SELECTION} } }`;

export type ScenarioId = 'a' | 'ac' | 'b' | 'bw' | 'c' | 'c0' | 'd0' | 'd' | 'reference';

/** What a scenario's first verified responses must show before it is loaded. */
export interface Expectation {
  /** At least one verified response has edges (a scenario answering nothing measures nothing). */
  someEdges: boolean;
  /** totalCount and facets are present. */
  facets?: boolean;
  /** The first edge of the first body is this offer (global id): proves the cursor lands where meant. */
  firstNodeId?: string;
}

/** One load scenario: JSON request bodies cycled through, request after request. */
export interface Scenario {
  id: ScenarioId;
  label: string;
  target: string;
  bodies: string[];
  expect: Expectation;
  /** Offers a partner pushes (upsertOffers) once a second during the measured window (bench/pusher.ts). */
  pushOffers?: number;
  /**
   * Each body is sent once: the checks take `checkBodies`, the warm-up the first of `bodies`, the
   * window goes on where the warm-up stopped. Requests beyond the last body (it wraps) are counted
   * as repeats (LoadResult.repeatedBodies): they may be answered from a cache.
   */
  sendOnce?: boolean;
  /** Bodies checked before the load instead of a few of `bodies` (sendOnce: none of them is sent again). */
  checkBodies?: string[];
  /** sendOnce: what the bodies [from, to) the measured window sent were (printed with the results). */
  describeWindow?: (from: number, to: number) => string;
}

/** Offers pushed a second during (bw). */
export const PUSHED_OFFERS = 100;

const PAGE_SIZE = 20;

function body(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

/** Every department × contract type pair, interleaved so that consecutive requests differ in both. */
function departmentContractFilters(fixtures: BenchFixtures): Array<{ departmentCodes: string[]; contractTypes: string[] }> {
  const filters = [];
  for (const department of fixtures.departmentCodes) {
    for (const contract of fixtures.contractTypes) filters.push({ departmentCodes: [department], contractTypes: [contract] });
  }
  return filters;
}

/** Checked (c, cold) queries, sent before the load and never again. */
const COLD_CHECKED = 4;

/**
 * (c, cold): keyword searches each new to the hub, one query per request, never repeated
 * (fixtures.coldKeywords: words and word pairs of the public offers' titles and word prefixes,
 * as bench:keywords draws them, distinct once tokenized). The hub keeps match lists by sort and
 * filter (its keyword tokens), so a query it has not seen finds none: each request matches.
 */
function coldKeywordScenario(fixtures: BenchFixtures): Pick<Scenario, 'bodies' | 'checkBodies' | 'describeWindow'> {
  const bodies = fixtures.coldKeywords.map((keywords) => body(OFFERS_PAGE_QUERY, { filter: { keywords }, first: PAGE_SIZE }));
  const titles = fixtures.coldKeywordsFromTitles - COLD_CHECKED;
  const describeWindow = (from: number, to: number) => {
    const fromTitles = Math.max(0, Math.min(to, titles) - from);
    return `the window's queries: ${fromTitles.toLocaleString('en')} drawn from titles, ${(to - from - fromTitles).toLocaleString('en')} from descriptions`;
  };
  return { checkBodies: bodies.slice(0, COLD_CHECKED), bodies: bodies.slice(COLD_CHECKED), describeWindow };
}

/** Hub CPU a request of (a) may take (issue 18), from /proc over the measured window. */
export const HUB_A_CPU_MICROS = 190;

/** Scenario (a): 30 departments × 3 contract types, page 1 of 20. */
export function pageScenario(fixtures: BenchFixtures): Scenario {
  return {
    id: 'a',
    label: '(a) page, department × contract filter',
    target: `≥ 1.5× reference req/s, p99 ≤ 15 ms, hub ≤ ${HUB_A_CPU_MICROS} µs CPU/req`,
    bodies: departmentContractFilters(fixtures).map((filter) => body(OFFERS_PAGE_QUERY, { filter, first: PAGE_SIZE })),
    expect: { someEdges: true },
  };
}

/** (a)'s bodies against a hub whose anonymous response cache is on (RESPONSE_CACHE_SECONDS, run.ts). */
export function cachedPageScenario(fixtures: BenchFixtures, cacheSeconds: number): Scenario {
  return {
    ...pageScenario(fixtures),
    id: 'ac',
    label: `(a, cached) (a) with the response cache on (${cacheSeconds} s)`,
    target: '≥ 4× reference req/s',
  };
}

/** The hub scenarios (b), (bw), (c), (c, cold), (d0), (d), built from values read in the benchmark database ((a): pageScenario). */
export function hubScenarios(fixtures: BenchFixtures): Scenario[] {
  const filters = departmentContractFilters(fixtures);
  return [
    {
      id: 'b',
      label: '(b) (a) + totalCount + 5 facets',
      target: 'p99 ≤ 30 ms',
      bodies: filters.map((filter) => body(OFFERS_FACETED_QUERY, { filter, first: PAGE_SIZE })),
      expect: { someEdges: true, facets: true },
    },
    {
      id: 'bw',
      label: `(bw) (b) while a partner pushes ${PUSHED_OFFERS} offers a second`,
      target: '≥ 80 % of (b) req/s',
      bodies: filters.map((filter) => body(OFFERS_FACETED_QUERY, { filter, first: PAGE_SIZE })),
      expect: { someEdges: true, facets: true },
      pushOffers: PUSHED_OFFERS,
    },
    {
      id: 'c',
      label: '(c) keyword search, popular words',
      target: 'p99 ≤ 30 ms',
      bodies: fixtures.keywords.map((keywords) => body(OFFERS_PAGE_QUERY, { filter: { keywords }, first: PAGE_SIZE })),
      expect: { someEdges: true },
    },
    {
      id: 'c0',
      label: '(c, cold) keyword search, every request a query new to the hub',
      target: 'p99 ≤ 100 ms',
      ...coldKeywordScenario(fixtures),
      expect: { someEdges: true },
      sendOnce: true,
    },
    {
      id: 'd0',
      label: '(d0) page 1, no filter',
      target: '(baseline of d)',
      bodies: [body(OFFERS_PAGE_QUERY, { first: PAGE_SIZE })],
      expect: { someEdges: true, firstNodeId: fixtures.firstPageFirstId },
    },
    {
      id: 'd',
      label: `(d) page ${fixtures.deepPage.toLocaleString('en')}, no filter, by cursor`,
      target: 'd0/d ≤ 1.2 (req/s)',
      bodies: [body(OFFERS_PAGE_QUERY, { first: PAGE_SIZE, after: fixtures.deepCursor })],
      expect: { someEdges: true, firstNodeId: fixtures.deepPageFirstId },
    },
  ];
}

/** The reference scenario: the bodies of (a), sent to the stock Apollo Server. */
export function referenceScenario(fixtures: BenchFixtures): Scenario {
  return {
    id: 'reference',
    label: 'reference: stock Apollo Server, in-memory',
    target: '—',
    bodies: departmentContractFilters(fixtures).map((filter) => body(OFFERS_PAGE_QUERY, { filter, first: PAGE_SIZE })),
    expect: { someEdges: true },
  };
}
