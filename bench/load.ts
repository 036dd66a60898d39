// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as AutocannonFn;

/** The part of autocannon's API (it ships no types) this wrapper uses. */
type AutocannonFn = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => { stop(): void };

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  requests: { mean: number; total: number; sent: number };
}

export interface LoadOptions {
  /** Full GraphQL URL on a loopback address. */
  url: string;
  /** JSON request bodies, cycled through one request after another. */
  bodies: string[];
  connections: number;
  seconds: number;
  /** A request unanswered after this long is abandoned and counted as a timeout. */
  timeoutSeconds: number;
  /** Extra headers, e.g. `authorization: Bearer <key>` for partner or agency queries. */
  headers?: Record<string, string>;
  /** Index of the first body sent (default 0): a window going on where its warm-up stopped. */
  startAt?: number;
}

/** Figures of one load window. Latencies in ms (autocannon's histogram resolution is 1 ms). */
export interface LoadResult {
  seconds: number;
  /** Mean of the per-second request counts. */
  requestsPerSecond: number;
  completed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  /** Responses by HTTP status. */
  statusCodes: Record<string, number>;
  firstNon2xxBody: string | null;
  /** Socket errors, timeouts excluded. */
  errors: number;
  /** Requests abandoned after timeoutSeconds: slower than that, so not in the percentiles. */
  timeouts: number;
  /** 2xx responses whose body carries a GraphQL `errors` entry. */
  graphqlErrors: number;
  firstGraphqlError: string | null;
  /** Requests sent (bodies taken, from startAt on). */
  bodiesSent: number;
  /** Requests sent past the last body, which repeated an earlier one (the list wrapped). */
  repeatedBodies: number;
}

let running: { stop(): void } | null = null;

/** Stops the load in progress, if any (SIGINT). */
export function stopLoad(): void {
  running?.stop();
}

/** Drives `connections` keep-alive connections for `seconds` with POSTed bodies, then reports. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.bodies.length === 0) throw new Error('runLoad needs at least one body');
  const bodies = opts.bodies;
  const startAt = opts.startAt ?? 0;
  let next = startAt;
  let graphqlErrors = 0;
  let firstGraphqlError: string | null = null;
  let firstNon2xxBody: string | null = null;
  return new Promise((resolve, reject) => {
    // autocannon stops by itself after `duration`; this guard only keeps a stuck run from hanging.
    const guard = setTimeout(() => running?.stop(), (opts.seconds + opts.timeoutSeconds + 30) * 1000);
    running = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.seconds,
        timeout: opts.timeoutSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        requests: [
          {
            setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }),
            onResponse: (status: number, body: string) => {
              if (status < 200 || status >= 300) firstNon2xxBody ??= `HTTP ${status}: ${body.slice(0, 500)}`;
              else if (body.includes('"errors":')) {
                graphqlErrors++;
                firstGraphqlError ??= body.slice(0, 500);
              }
            },
          },
        ],
      },
      (err, result) => {
        clearTimeout(guard);
        running = null;
        if (err) return reject(err);
        resolve({
          seconds: result.duration,
          requestsPerSecond: result.requests.mean,
          completed: result.requests.total,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          non2xx: result.non2xx,
          statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
          firstNon2xxBody,
          // autocannon counts a timeout as an error too
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          graphqlErrors,
          firstGraphqlError,
          bodiesSent: next - startAt,
          repeatedBodies: Math.max(0, next - Math.max(startAt, bodies.length)),
        });
      },
    );
  });
}
