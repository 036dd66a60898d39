import { freePort, startChild, waitUntilReady, type Child } from './children';

/** A GraphQL client of a hub that authenticates with an API key. */
export interface GraphQLClient {
  /** POSTs a raw JSON body with `Authorization: Bearer <key>`; throws on HTTP or GraphQL errors. */
  post(key: string, body: string): Promise<any>;
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
 * `adminKey` as PASSERELLE_ADMIN_KEY, no demo seeding, rate limits raised, and waits for /health.
 */
export async function startBenchHub(databaseUrl: string, adminKey: string, logFile: string, extraEnv: Record<string, string> = {}): Promise<BenchHub> {
  const port = await freePort();
  const child = startChild(
    'hub',
    'src/main.ts',
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NODE_ENV: 'production',
      SEED_DEMO: 'false',
      PASSERELLE_ADMIN_KEY: adminKey,
      RATE_LIMIT_KEY_PER_SECOND: UNLIMITED,
      RATE_LIMIT_KEY_BURST: UNLIMITED,
      RATE_LIMIT_PUBLIC_PER_SECOND: UNLIMITED,
      RATE_LIMIT_PUBLIC_BURST: UNLIMITED,
      ...extraEnv,
    },
    logFile,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${base}/health`)).ok, 120_000);
  const graphqlUrl = `${base}/graphql`;
  return { child, base, graphqlUrl, ...graphqlClient(graphqlUrl) };
}

/** The client of the hub's GraphQL endpoint at `graphqlUrl`. */
export function graphqlClient(graphqlUrl: string): GraphQLClient {
  const send = (key: string, body: string) =>
    fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
      signal: AbortSignal.timeout(120_000),
    });
  const post = async (key: string, body: string) => {
    let res: Response;
    try {
      res = await send(key, body);
    } catch (err) {
      // A keep-alive connection the hub closed for idleness (65 s: bench:ingest waits that long for
      // the keyword index between passes) just as the request was being written: the hub never
      // read it, so it is sent again once, on a new connection. Anything else fails the benchmark.
      if (!isClosedConnection(err)) throw err;
      res = await send(key, body);
    }
    const json = (await res.json()) as { data?: any; errors?: unknown[] };
    if (json.errors || !res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json.errors ?? json).slice(0, 1000)}`);
    return json.data;
  };
  return { post, gql: (key, query, variables = {}) => post(key, JSON.stringify({ query, variables })) };
}

/** fetch's error when the socket was found closed while writing the request (EPIPE). */
function isClosedConnection(err: unknown): boolean {
  return (err as { cause?: { code?: string } })?.cause?.code === 'EPIPE';
}

