import type { Scenario } from './scenarios';

/** Bodies checked one by one before a scenario is loaded. */
const VERIFIED_BODIES = 4;
/** A checked request slower than this fails the run: the scenario could not be measured anyway. */
const VERIFY_TIMEOUT_MS = 60_000;

export interface Verification {
  checked: number;
  /** Edges returned by each checked body. */
  edges: number[];
  /** Latency of each checked request alone, in ms (no concurrent load). */
  milliseconds: number[];
  /** SQL statements each checked request sent, counted alone (null: no /metrics, the reference). */
  sqlStatements: number[] | null;
}

interface OffersResponse {
  data?: { offers?: { edges?: Array<{ node: { id: string } }>; totalCount?: number; facets?: Record<string, unknown[]> } };
  errors?: unknown[];
}

/** The METRICS_TOKEN the benchmarks give the hubs they start (/metrics is not public). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-not-a-secret';

/** Reads passerelle_sql_statements_total from the hub's /metrics. */
export async function readSqlCounter(metricsUrl: string): Promise<number> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000), headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  const match = /^passerelle_sql_statements_total (\d+)$/m.exec(await res.text());
  if (!match) throw new Error(`No passerelle_sql_statements_total in ${metricsUrl}`);
  return Number(match[1]);
}

async function post(url: string, body: string): Promise<OffersResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${body.slice(0, 300)}:\n${text.slice(0, 1000)}`);
  return JSON.parse(text) as OffersResponse;
}

/**
 * Sends a few of a scenario's bodies one at a time and throws (loudly: the run stops) on a
 * non-200, a GraphQL error, a missing field, or a page that is not the one expected.
 */
export async function verifyScenario(url: string, metricsUrl: string | null, scenario: Scenario): Promise<Verification> {
  const checked = scenario.checkBodies ?? scenario.bodies;
  const count = Math.min(VERIFIED_BODIES, checked.length);
  const step = checked.length / count;
  const edges: number[] = [];
  const sqlStatements: number[] = [];
  const milliseconds: number[] = [];
  for (let i = 0; i < count; i++) {
    const body = checked[Math.floor(i * step)];
    const before = metricsUrl ? await readSqlCounter(metricsUrl) : 0;
    const started = performance.now();
    const response = await post(url, body).catch((err: Error) => {
      const why = err.name === 'TimeoutError' ? `no answer within ${VERIFY_TIMEOUT_MS / 1000} s` : err.message;
      throw new Error(`Scenario ${scenario.label}: ${why}\nrequest: ${body.slice(0, 400)}`);
    });
    milliseconds.push(Math.round(performance.now() - started));
    if (metricsUrl) sqlStatements.push((await readSqlCounter(metricsUrl)) - before);
    const fail = (why: string) =>
      new Error(`Scenario ${scenario.label}: ${why}\nrequest: ${body.slice(0, 400)}\nresponse: ${JSON.stringify(response).slice(0, 1500)}`);
    if (response.errors) throw fail('the response carries GraphQL errors');
    const offers = response.data?.offers;
    if (!offers || !Array.isArray(offers.edges)) throw fail('no data.offers.edges');
    if (scenario.expect.facets) {
      const facets = offers.facets ?? {};
      const missing = ['contractType', 'departmentCode', 'source', 'partner', 'romeCode'].filter((d) => !Array.isArray(facets[d]));
      if (typeof offers.totalCount !== 'number' || missing.length) throw fail(`totalCount or facets missing (${missing.join(', ')})`);
    }
    if (i === 0 && scenario.expect.firstNodeId && offers.edges[0]?.node.id !== scenario.expect.firstNodeId) {
      throw fail(`the first offer should be ${scenario.expect.firstNodeId} (read from the database), got ${offers.edges[0]?.node.id}`);
    }
    edges.push(offers.edges.length);
  }
  if (scenario.expect.someEdges && edges.every((n) => n === 0)) {
    throw new Error(`Scenario ${scenario.label}: none of the ${count} checked requests returned an offer`);
  }
  return { checked: count, edges, milliseconds, sqlStatements: metricsUrl ? sqlStatements : null };
}
