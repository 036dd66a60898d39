import type { BenchFixtures } from './fixtures';

/** Selection of one search page, shared by every scenario and by the reference server. */
const PAGE_SELECTION = `edges { node { id title publishedAt location { city } partner { name } } } pageInfo { endCursor hasNextPage }`;

const FACETS_SELECTION = `totalCount facets { contractType { value count } departmentCode { value count } source { value count } partner { value count } romeCode { value count } }`;

/** Query (a), also sent unchanged to the reference server. */
export const OFFERS_PAGE_QUERY = `query OffersPage($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { ${PAGE_SELECTION} } }`;

/** Query (b): the page plus its total and its five facet dimensions. */
export const OFFERS_FACETED_QUERY = `query OffersFaceted($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { ${PAGE_SELECTION} ${FACETS_SELECTION} } }`;

export type ScenarioId = 'a' | 'b' | 'bw' | 'c' | 'c0' | 'd0' | 'd' | 'reference';

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

/**
 * Keyword searches that are each new to the hub: the job words of (c), each with a different
 * `publishedSince` (whole minutes, all before the oldest offer: the results stay those of (c)), so
 * no request finds its match list cached and each pays the full-text match. 20 words x 500 dates:
 * more than a window sends at full-text speed.
 */
function coldKeywordBodies(fixtures: BenchFixtures): string[] {
  const bodies: string[] = [];
  const longAgo = Date.UTC(2000, 0, 1);
  for (let minute = 0; minute < 500; minute++) {
    for (const keywords of fixtures.keywords) {
      bodies.push(
        body(OFFERS_PAGE_QUERY, {
          filter: { keywords, publishedSince: new Date(longAgo + minute * 60_000).toISOString() },
          first: PAGE_SIZE,
        }),
      );
    }
  }
  return bodies;
}

/** The hub scenarios (a), (b), (c), (d0), (d), built from values read in the benchmark database. */
export function hubScenarios(fixtures: BenchFixtures): Scenario[] {
  const filters = departmentContractFilters(fixtures);
  return [
    {
      id: 'a',
      label: '(a) page, department × contract filter',
      target: '≥ 1.5× reference req/s and p99 ≤ 15 ms',
      bodies: filters.map((filter) => body(OFFERS_PAGE_QUERY, { filter, first: PAGE_SIZE })),
      expect: { someEdges: true },
    },
    {
      id: 'b',
      label: '(b) (a) + totalCount + 5 facets',
      target: 'p99 ≤ 50 ms',
      bodies: filters.map((filter) => body(OFFERS_FACETED_QUERY, { filter, first: PAGE_SIZE })),
      expect: { someEdges: true, facets: true },
    },
    {
      id: 'bw',
      label: `(bw) (b) while a partner pushes ${PUSHED_OFFERS} offers a second`,
      target: '— (informative: counts under writes)',
      bodies: filters.map((filter) => body(OFFERS_FACETED_QUERY, { filter, first: PAGE_SIZE })),
      expect: { someEdges: true, facets: true },
      pushOffers: PUSHED_OFFERS,
    },
    {
      id: 'c',
      label: '(c) keyword search',
      target: 'p99 ≤ 50 ms',
      bodies: fixtures.keywords.map((keywords) => body(OFFERS_PAGE_QUERY, { filter: { keywords }, first: PAGE_SIZE })),
      expect: { someEdges: true },
    },
    {
      id: 'c0',
      label: '(c, cold) keyword search, every request a new search',
      target: '— (informative: no cached match list)',
      bodies: coldKeywordBodies(fixtures),
      expect: { someEdges: true },
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
