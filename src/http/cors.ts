import type http from 'node:http';
import cors from 'cors';
import type { CorsPolicy } from '../config';

/** http(s) origins on this machine, any port: the development default. */
const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** What a browser page may send: JSON bodies, an API key, Apollo's CSRF-prevention header. */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name'];
/** What a page may read besides the CORS-safelisted headers: when to retry after a 429. */
const EXPOSED_HEADERS = ['retry-after'];
/** Distinct Origin values whose actual-request headers are kept (createCorsHandler). */
const ORIGINS_REMEMBERED = 256;
/** Browsers may reuse a preflight answer this long (seconds; Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for /graphql, with the `cors` package (expressjs/cors) on node:http: an allowed origin gets
 * its own origin back (`Access-Control-Allow-Origin`, `Vary: Origin`) and credentials; `any` gets
 * `*` and never credentials (browsers refuse that pair, and it would let any site act with a
 * visitor's cookies). A preflight (OPTIONS) is answered here, 204, before authentication, rate
 * limits and Apollo's CSRF prevention, which still applies to every other request: a page of an
 * origin not allowed gets no CORS header, so the browser hides the answer from it.
 * Returns true when it answered the request (a preflight).
 */
export function createCorsHandler(policy: CorsPolicy): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const origin: cors.CorsOptions['origin'] = policy.any ? '*' : [...policy.origins, ...(policy.localhost ? [LOCALHOST_ORIGIN] : [])];
  const middleware = cors({
    // An empty list still answers preflights (204, no Allow-Origin: the browser blocks the call);
    // `false` would hand them on to Apollo, whose CSRF prevention answers 400.
    origin,
    credentials: !policy.any,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
    preflightContinue: false,
  });
  // The headers of an actual (not preflight) request depend on its Origin alone: computed once per
  // origin (a few hundred kept), then set as they are (the middleware cost more than a cached answer).
  const actualHeaders = new Map<string, Array<[string, number | string | readonly string[]]>>();
  const headersFor = (req: http.IncomingMessage) => {
    const origin = req.headers.origin ?? '';
    let headers = actualHeaders.get(origin);
    if (!headers) {
      const recorded = new Map<string, number | string | readonly string[]>();
      const recorder = {
        getHeader: (name: string) => recorded.get(name.toLowerCase()),
        setHeader: (name: string, value: number | string | readonly string[]) => recorded.set(name.toLowerCase(), value),
      };
      middleware(req as cors.CorsRequest & http.IncomingMessage, recorder as unknown as http.ServerResponse, () => {});
      headers = [...recorded];
      if (actualHeaders.size < ORIGINS_REMEMBERED) actualHeaders.set(origin, headers);
    }
    return headers;
  };
  return (req, res) => {
    if (req.method !== 'OPTIONS') {
      for (const [name, value] of headersFor(req)) res.setHeader(name, value);
      return false;
    }
    let passed = false;
    // With static origins the middleware runs synchronously: it either ends a preflight or calls next.
    middleware(req as cors.CorsRequest & http.IncomingMessage, res, () => {
      passed = true;
    });
    return !passed;
  };
}
