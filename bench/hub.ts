import http from 'node:http';
import { freePort, startChild, waitUntilReady, type Child } from './children';
import type { ReferenceOffer } from './fixtures';
import { BENCH_METRICS_TOKEN } from './verify';

/** A GraphQL client of a hub that authenticates with an API key. */
export interface GraphQLClient {
  /**
   * POSTs a raw JSON body with `Authorization: Bearer <key>`; throws on HTTP or GraphQL errors.
   * Throughput benchmarks pass bodies already encoded (encodeBody): the client runs on the two
   * cores the hub is measured on, and encoding a 1.8 MB string at every call was CPU taken from it.
   */
  post(key: string, body: string | Uint8Array): Promise<any>;
  /** post() for a query and its variables. */
  gql(key: string, query: string, variables?: Record<string, unknown>): Promise<any>;
}

/** A hub started for a benchmark, with its GraphQL client. */
export interface BenchHub extends GraphQLClient {
  child: Child;
  /** http://127.0.0.1:<port> */
  base: string;
  graphqlUrl: string;
}

/** Rate limits out of the way: a benchmark is many clients behind one address and one key. */
const UNLIMITED = '100000';

/**
 * Starts `src/main.ts` as a production hub on a free loopback port against `databaseUrl`, with
 * `adminKey` as PASSERELLE_ADMIN_KEY (null: none), no demo seeding, rate limits raised, the
 * response cache off unless BENCH_RESPONSE_CACHE_SECONDS or `extraEnv` says otherwise, and waits
 * for /health.
 * `preloads`: files required into the hub before main.ts (startChild).
 */
export async function startBenchHub(
  databaseUrl: string,
  adminKey: string | null,
  logFile: string,
  extraEnv: Record<string, string> = {},
  preloads: string[] = [],
): Promise<BenchHub> {
  const port = await freePort();
  const child = startChild(
    'hub',
    'src/main.ts',
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NODE_ENV: 'production',
      SEED_DEMO: 'false',
      ...(adminKey === null ? {} : { PASSERELLE_ADMIN_KEY: adminKey }),
      RATE_LIMIT_KEY_PER_SECOND: UNLIMITED,
      RATE_LIMIT_KEY_BURST: UNLIMITED,
      RATE_LIMIT_PUBLIC_PER_SECOND: UNLIMITED,
      RATE_LIMIT_PUBLIC_BURST: UNLIMITED,
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      // The anonymous response cache is off unless asked for: the scenarios measure the read path.
      RESPONSE_CACHE_SECONDS: process.env.BENCH_RESPONSE_CACHE_SECONDS ?? '0',
      ...extraEnv,
    },
    logFile,
    preloads,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).ok, 120_000);
  const graphqlUrl = `${base}/graphql`;
  return { child, base, graphqlUrl, ...graphqlClient(graphqlUrl) };
}

/**
 * The client of the hub's GraphQL endpoint at `graphqlUrl`: node:http on keep-alive connections
 * rather than fetch, whose per-request cost (a copy of the body, web streams, and the garbage both
 * leave) showed as a third of a core in bench:ingest, on the two cores the hub is measured on.
 */
export function graphqlClient(graphqlUrl: string): GraphQLClient {
  const agent = new http.Agent({ keepAlive: true });
  const send = (key: string, body: string | Uint8Array) =>
    new Promise<{ status: number; text: string; reusedSocket: boolean }>((resolve, reject) => {
      const req = http.request(graphqlUrl, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
        timeout: 120_000,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${graphqlUrl} in 120 s`)));
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket }),
        );
        res.on('error', reject);
      });
      req.end(body);
    });
  const post = async (key: string, body: string | Uint8Array) => {
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send(key, body);
    } catch (err) {
      // A keep-alive connection the hub closed for idleness (65 s: bench:ingest waits that long for
      // the keyword index between passes) just as the request was being written on it: the hub
      // never read it, so it is sent again once, on a new connection (Node's documented advice for
      // a reused socket). Anything else fails the benchmark.
      if (!isClosedConnection(err)) throw err;
      res = await send(key, body);
    }
    const json = JSON.parse(res.text) as { data?: any; errors?: unknown[] };
    if (json.errors || res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json.errors ?? json).slice(0, 1000)}`);
    return json.data;
  };
  return { post, gql: (key, query, variables = {}) => post(key, JSON.stringify({ query, variables })) };
}

/** A request body encoded once, before a benchmark's clock starts (see GraphQLClient.post). */
export function encodeBody(query: string, variables: Record<string, unknown>): Uint8Array {
  return Buffer.from(JSON.stringify({ query, variables }));
}

/** A reused keep-alive socket found closed while the request was written or awaited. */
function isClosedConnection(err: unknown): boolean {
  const { code, reusedSocket } = err as { code?: string; reusedSocket?: boolean };
  return reusedSocket === true && (code === 'EPIPE' || code === 'ECONNRESET');
}

/**
 * Starts `script` as a child on a free loopback port (env PORT, NODE_ENV=production and `env`) and
 * waits until a POST of `probeBody` to its `path` answers 2xx.
 */
async function startProbedServer(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  path: string,
  probeBody: string,
): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = startChild(name, script, { PORT: String(port), NODE_ENV: 'production', ...env }, logFile);
  const url = `http://127.0.0.1:${port}${path}`;
  const probe = async () =>
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: probeBody,
        signal: AbortSignal.timeout(2_000),
      })
    ).ok;
  await waitUntilReady(child, probe, 120_000);
  return { url, child };
}

/** Starts the stock Apollo Server reference (bench/reference-server.ts) serving `offers`, once it answers. */
export function startReferenceServer(offers: ReferenceOffer[], logFile: string): Promise<{ url: string; child: Child }> {
  const env = { REFERENCE_OFFERS_JSON: JSON.stringify(offers) };
  return startProbedServer('reference', 'bench/reference-server.ts', env, logFile, '/', '{"query":"{__typename}"}');
}

/**
 * Starts a floor server (bench/floor-server.ts: node:http without GraphQL, `static` or `mariadb`)
 * once it answers a page of (a).
 */
export function startFloorServer(
  mode: 'static' | 'mariadb',
  databaseUrl: string,
  offers: ReferenceOffer[],
  logFile: string,
): Promise<{ url: string; child: Child }> {
  const env = { MODE: mode, DATABASE_URL: databaseUrl, REFERENCE_OFFERS_JSON: JSON.stringify(offers) };
  const page = '{"variables":{"filter":{"departmentCodes":["75"],"contractTypes":["PERMANENT"]}}}';
  return startProbedServer(`floor-${mode}`, 'bench/floor-server.ts', env, logFile, '/graphql', page);
}
