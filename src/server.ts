import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { PrefixingKeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLFormattedError } from 'graphql';
import type { DataSource } from 'typeorm';
import { sharedRateLimiter, TokenBucketLimiter, type RateLimiter } from './auth/rate-limiter';
import type { Viewer } from './auth/viewer';
import {
  DEFAULT_LIMITS,
  DEFAULT_QUERY_LIMITS,
  parseCorsOrigins,
  type CorsPolicy,
  type HttpLimits,
  type QueryLimits,
  type QueryLimitsConfig,
  type ServiceSettings,
} from './config';
import { buildContext, type GraphQLContext } from './context';
import { hasReplicas } from './db/data-source';
import { isDatabaseUnavailable } from './db/driver-errors';
import { RecentWriters, withReadScope } from './db/read-routing';
import { ErrorCode, httpStatusFor, PasserelleError, SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS, ServiceUnavailableError } from './errors';
import { cvAccessLogPlugin } from './graphql/cv-access-log.plugin';
import { errorLogPlugin, isClientErrorCode } from './graphql/error-log.plugin';
import { GraphiqlPage, type DemoKeys } from './graphql/graphiql';
import { jitGateway } from './graphql/jit-executor';
import { LeanExecutor, type LeanRequest } from './graphql/lean-executor';
import { hasMoreTokensThan, queryLimitsPlugin, QueryTooComplexError } from './graphql/query-limits';
import { callerKeyOf, readRoutingPlugin } from './graphql/read-routing.plugin';
import { DEFAULT_RESPONSE_CACHE, ResponseCache, type ResponseCacheOptions } from './graphql/response-cache';
import { createCorsHandler } from './http/cors';
import { parseJsonBody } from './http/json-body';
import { createLogger, requestIdFrom, type Logger } from './logger';
import { HubMetrics, type RequestRecord } from './metrics';
import { handleReportRequest } from './http/report-pages';
import { buildSchema } from './schema';
import { createServices, type Services } from './services';
import { currentSearchVersion } from './db/offer-stock';
import type { SharedState } from './shared-state/shared-state';

/** Validation messages that are really about a bad argument value: reported as BAD_USER_INPUT. */
const BAD_VALUE_MESSAGE =
  /does not exist in "[^"]+" enum|Expected value of type|cannot represent|Expected type|is not a valid|got invalid value/;
const INTROSPECTION_OFF =
  'Introspection (__schema, __type) is off on this hub (the production default): start it with GRAPHQL_INTROSPECTION=true to allow it, or generate clients from the SDL in schema/*.graphql';
/** graphql-js's parse refusing a document over `maxTokens`. */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/; // ("that": graphql 16's wording)

/**
 * Keeps client-fixable errors as they are and turns anything unexpected into a bare
 * INTERNAL_SERVER_ERROR: no stack, no SQL. The detail goes to the log (errorLogPlugin).
 */
export function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  if (code === 'GRAPHQL_VALIDATION_FAILED' && /introspection is not allowed/i.test(formatted.message)) {
    // Apollo's own message says to change the source code: ours names the setting.
    return { ...formatted, message: INTROSPECTION_OFF, extensions: { code } };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED' && BAD_VALUE_MESSAGE.test(formatted.message)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const tokens = code === 'GRAPHQL_PARSE_FAILED' ? TOO_MANY_TOKENS.exec(formatted.message) : null;
  if (tokens) {
    const max = Number(tokens[1]);
    return {
      message: `Query too complex: more than ${max} tokens in the document (docs/operations.md, "Limits")`,
      extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'tokens', max },
    };
  }
  if (isClientErrorCode(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
  if (isDatabaseUnavailable(original)) {
    // A driver error that no service turned into a ServiceUnavailableError: still retriable.
    const { message, extensions } = new ServiceUnavailableError();
    const { http: _http, ...visible } = extensions;
    return { message, path: formatted.path, locations: formatted.locations, extensions: visible };
  }
  // (Logged once, with its stack and the request id, by errorLogPlugin.)
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** What stringifyResult answers when JSON.stringify cannot build the string at all. */
const RESPONSE_TOO_LARGE_MARK = '{"errors":[{"message":"Response too large","extensions":{"code":"RESPONSE_TOO_LARGE"}}]}';

/** Compact JSON; a result past V8's longest string becomes RESPONSE_TOO_LARGE instead of a crash. */
function stringifyResult(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError) return RESPONSE_TOO_LARGE_MARK;
    throw err;
  }
}

export interface RunningHub {
  url: string;
  port: number;
  services: Services;
  metrics: HubMetrics;
  /**
   * Stops accepting connections, lets the requests in flight finish for up to `graceMs` (default
   * 0: closes every connection at once), then stops Apollo. The data source stays open: its owner
   * closes it.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
  /** The demo keys GraphiQL offers as header examples (development). */
  setDemoKeys(keys: DemoKeys | null): void;
}

export interface HubOptions {
  port: number;
  host?: string;
  /** graphql-jit (default) or graphql-js's own executor. */
  executor?: 'jit' | 'graphql-js';
  limits?: Partial<HttpLimits>;
  /** The services' settings (config.ts, loadConfig().services: PASSERELLE_ADMIN_KEY, caches, webhooks...); unset ones: the defaults. */
  serviceSettings?: Partial<ServiceSettings>;
  /** Query cost limits (config.ts, DEFAULT_QUERY_LIMITS); each class's settings may be partial. */
  queryLimits?: { anonymous?: Partial<QueryLimits>; authenticated?: Partial<QueryLimits> };
  /** Structured log (default: none; main.ts passes pino on stdout at LOG_LEVEL). */
  logger?: Logger;
  /** "Did you mean ...?" in validation errors (default: on; main.ts passes GRAPHQL_FIELD_SUGGESTIONS). */
  fieldSuggestions?: boolean;
  /** Bearer token accepted on GET /metrics besides AGENCY keys (config METRICS_TOKEN). */
  metricsToken?: string | null;
  /** GraphiQL for browsers at GET /graphql (default: on; main.ts passes GRAPHIQL). */
  graphiql?: boolean;
  /**
   * The hub's clock: each request's instant (`ctx.now`: visibility, accepted audience window,
   * offer audience days) and the report pages' "now". Tests inject a fixed one; default: the system's.
   */
  clock?: () => Date;
  /** With read replicas: after a mutation, the caller's reads go to the primary this long (DATABASE_READ_YOUR_WRITES_MS). */
  readYourWritesMs?: number;
  /** Schema introspection (GRAPHQL_INTROSPECTION); default: on. */
  introspection?: boolean;
  /**
   * State every hub process must agree on (REDIS_URL): rate-limit buckets and persisted queries.
   * Default: this process's memory.
   */
  sharedState?: SharedState;
  /** Browser origins allowed on /graphql (CORS_ORIGINS); default: localhost, as in development. */
  cors?: CorsPolicy;
  /** The anonymous response cache (RESPONSE_CACHE_SECONDS...; ttlSeconds 0: off). */
  responseCache?: Partial<ResponseCacheOptions>;
  /**
   * Anonymous queries answered without Apollo's per-request pipeline (src/graphql/lean-executor.ts),
   * same bytes; default on with the JIT executor (LEAN_READ_PATH=false turns it off).
   */
  leanReadPath?: boolean;
}

/** How long a refused body is still read (and discarded) so the client gets to read the 413. */
const LINGER_MS = 2_000;

/**
 * Reads a request body up to `limit` bytes; null when it is larger (declared or sent). Then the
 * caller answers 413 and lingerClose discards what is still coming.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * After an early answer (413) to a request whose body is still arriving: read and discard it for
 * a while, then close. Closing at once makes the kernel reset the connection while the client is
 * still sending, and curl or a browser then report the reset, never the 413.
 */
function lingerClose(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  req.on('data', () => {});
  req.once('end', () => {
    clearTimeout(timer);
    // Everything read: closing now sends a FIN after the response, no reset.
    if (res.writableFinished) socket.end();
    else res.once('finish', () => socket.end());
  });
  req.resume();
}

/** Whether an Accept header gets Apollo's default `application/json; charset=utf-8` (else Apollo negotiates). */
function acceptsPlainJson(accept: string | undefined): boolean {
  return accept === undefined || accept === '*/*' || /^application\/json\s*(;[^,]*)?$/i.test(accept);
}

/**
 * The request as the lean path takes it, or null when Apollo must see it: a POST of a JSON object
 * (`content-type: application/json`) or a GET that passes Apollo's CSRF prevention (one of its
 * preflight headers, or a JSON content type), with a query text, no `extensions` (persisted
 * queries), an operation name that is a string if present, variables that are an object if present,
 * and an Accept header that Apollo answers with its default content type.
 */
function leanRequestOf(req: http.IncomingMessage, body: unknown, search: URLSearchParams): LeanRequest | null {
  if (!acceptsPlainJson(req.headers.accept)) return null;
  const contentType = req.headers['content-type'];
  const jsonContent = typeof contentType === 'string' && /^application\/json\s*(;|$)/i.test(contentType);
  let query: unknown, operationName: unknown, variables: unknown;
  if (req.method === 'POST') {
    if (!jsonContent || !body || typeof body !== 'object' || Array.isArray(body)) return null;
    const fields = body as Record<string, unknown>;
    if (fields.extensions !== undefined) return null;
    ({ query, operationName, variables } = fields);
  } else if (req.method === 'GET') {
    const preflighted = req.headers['x-apollo-operation-name'] !== undefined || req.headers['apollo-require-preflight'] !== undefined;
    if ((!preflighted && !jsonContent) || (contentType !== undefined && !jsonContent)) return null;
    if (search.has('extensions')) return null;
    for (const name of ['query', 'operationName', 'variables']) if (search.getAll(name).length > 1) return null;
    query = search.get('query') ?? undefined;
    operationName = search.get('operationName') ?? undefined;
    const text = search.get('variables');
    if (text !== null) {
      try {
        variables = JSON.parse(text);
      } catch {
        return null;
      }
    }
  } else return null;
  if (typeof query !== 'string' || query === '') return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return {
    query,
    operationName: (operationName as string | null | undefined) ?? null,
    variables: (variables as Record<string, unknown> | null | undefined) ?? {},
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return; // already answered (the request's deadline passed)
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The request id and record of each response being answered (set first thing, read by sendError). */
const scopes = new WeakMap<http.ServerResponse, { requestId: string; record: RequestRecord }>();

function sendError(
  res: http.ServerResponse,
  code: ErrorCode | 'BAD_REQUEST',
  message: string,
  status: number,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  const scope = scopes.get(res);
  const requestId = scope?.requestId;
  if (scope && code !== 'BAD_REQUEST') scope.record.errorCodes.push(code);
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra, ...(requestId ? { requestId } : {}) } }] }, headers);
}

/** A retriable 503 SERVICE_UNAVAILABLE with `Retry-After`, outside GraphQL's execution. */
function sendUnavailable(res: http.ServerResponse, error: ServiceUnavailableError): void {
  const { http: _http, code: _code, ...extra } = error.extensions;
  sendError(res, ErrorCode.SERVICE_UNAVAILABLE, error.message, 503, extra, {
    'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS),
  });
}

/**
 * `work`, or a ServiceUnavailableError once `ms` have passed (0: no limit). The work itself runs on
 * (a resolver cannot be stopped) and its outcome is dropped; a statement it still waits on ends at
 * DB_STATEMENT_TIMEOUT_MS at the latest on MariaDB's read path.
 */
function withinDeadline<T>(work: Promise<T>, ms: number, requestTimeoutMs: number): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    const message = `The request took over ${requestTimeoutMs} ms (REQUEST_TIMEOUT_MS): the database is slow or stalled; retry shortly`;
    timer = setTimeout(() => reject(new ServiceUnavailableError(message)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The Bearer token of an Authorization header, if any. */
function bearerOf(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}

/**
 * Starts the hub's HTTP server on an open data source: GraphQL at /graphql (POST, and GET for
 * queries; GraphiQL for browsers in development), /health, /health/live, /health/ready, and
 * /metrics (Prometheus, behind a token or an AGENCY key). Before GraphQL runs, each request is
 * authenticated (a bad key is a 401, never a silent PUBLIC; failed attempts are rate-limited per
 * client address before the key lookup), rate-limited per key or client address, and its body
 * bounded by role (refused on its declared length before `100 Continue`).
 */
export async function startHub(dataSource: DataSource, opts: HubOptions): Promise<RunningHub> {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const queryLimits: QueryLimitsConfig = {
    anonymous: { ...DEFAULT_QUERY_LIMITS.anonymous, ...opts.queryLimits?.anonymous },
    authenticated: { ...DEFAULT_QUERY_LIMITS.authenticated, ...opts.queryLimits?.authenticated },
  };
  const limitsOf = (viewer: Viewer) =>
    viewer.role === 'PUBLIC'
      ? { limits: queryLimits.anonymous, who: 'anonymous' as const }
      : { limits: queryLimits.authenticated, who: 'authenticated' as const };
  // Unset options take the development defaults: main.ts passes every one from the configuration.
  const suggestions = opts.fieldSuggestions ?? true;
  const logger = opts.logger ?? createLogger('silent');
  const metrics = new HubMetrics(dataSource);
  const parseMaxTokens = Math.max(queryLimits.anonymous.maxTokens, queryLimits.authenticated.maxTokens);
  const clock = opts.clock ?? (() => new Date());
  const responseCache = new ResponseCache({ ...DEFAULT_RESPONSE_CACHE, ...opts.responseCache });
  const publicCacheControl = `public, max-age=${responseCache.options.ttlSeconds}`;
  const services = createServices(dataSource, opts.serviceSettings);
  const replicated = hasReplicas(dataSource);
  const recentWriters = new RecentWriters(opts.readYourWritesMs ?? 5000);
  // Keyed by the request's record: Apollo hands plugins a copy of the context, whose record is shared.
  const addressOfRequest = new WeakMap<GraphQLContext['record'], string>();
  const callerOf = (context: GraphQLContext) => callerKeyOf(context, addressOfRequest.get(context.record) ?? 'unknown');
  const schema = buildSchema();
  const lean = (opts.leanReadPath ?? true) && (opts.executor ?? 'jit') === 'jit' ? new LeanExecutor(schema, parseMaxTokens) : null;
  const apollo = new ApolloServer<GraphQLContext>({
    ...((opts.executor ?? 'jit') === 'jit' ? { gateway: jitGateway(schema) } : { schema }),
    formatError,
    logger,
    introspection: opts.introspection ?? true,
    // Automatic persisted queries: in Redis when shared, so a hash registered through one process
    // is found by every other (a day, refreshed by use); else Apollo's in-memory LRU.
    ...(opts.sharedState?.kind === 'redis'
      ? { persistedQueries: { cache: new PrefixingKeyValueCache(opts.sharedState.cache, 'apq:'), ttl: 86_400 } }
      : {}),
    includeStacktraceInErrorResponses: false,
    // "Did you mean ...?" names fields and types: it would leak the schema that production's
    // disabled introspection hides.
    hideSchemaDetailsFromClientErrors: !suggestions,
    // main.ts owns shutdown (HTTP server, then Apollo, then the database); Apollo's own signal
    // handlers raced it and left the process hanging on SIGTERM in production.
    stopOnTerminationSignals: false,
    // The cache-control plugin wraps every resolver; we set no cache hints, so it is pure cost.
    // cvAccessLogPlugin: CV reads logged before the response leaves, and `Cache-Control: no-store`.
    // errorLogPlugin: every unexpected error logged once with the request id, which every error carries.
    // queryLimitsPlugin: depth, aliases, directives, tokens and cost per caller class, refused
    // before execution (so before any resolver or SQL) on every path.
    // Inline tracing (ftv1) is what Apollo turns on for a federation subgraph by default: a router
    // asking for traces would make the hub time every resolver. Off: routers trace on their side.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      cvAccessLogPlugin(),
      errorLogPlugin({ hideSuggestions: !suggestions }),
      queryLimitsPlugin((context) => limitsOf(context.viewer)),
      // With read replicas: a mutation reads from the primary, and so does its caller for a while.
      ...(replicated ? [readRoutingPlugin(recentWriters, callerOf)] : []),
      // The response cache keeps the answers of queries only: it needs to know which this was.
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              contextValue.record.operationType = operation?.operation; // (Apollo copies the context: the record is shared)
            },
          };
        },
      },
    ],
    // graphql-js's own token limit, checked while parsing (the larger class's: the anonymous one is
    // checked before parsing, in handleGraphQL, and again from the parsed tokens by the plugin).
    parseOptions: { maxTokens: parseMaxTokens },
    // Compact JSON: Apollo's default pretty-prints every response (JSON.stringify(value, null, 2)),
    // 7 % of the hub's CPU under the page benchmark and a third more bytes to send.
    stringifyResult,
  });
  await apollo.start();
  // Rate limits: per process by default; shared by every hub process when they share Redis.
  const limiter = (name: string, perSecond: number, burst: number): RateLimiter =>
    opts.sharedState?.kind === 'redis'
      ? sharedRateLimiter(opts.sharedState, name, perSecond, burst)
      : new TokenBucketLimiter(perSecond, burst);
  const publicLimiter = limiter('public', limits.publicPerSecond, limits.publicBurst);
  const keyLimiter = limiter('key', limits.keyPerSecond, limits.keyBurst);
  const authFailureLimiter = limiter('auth-failure', limits.authFailurePerSecond, limits.authFailureBurst);
  let shuttingDown = false;
  let inFlight = 0;
  const graphiql = (opts.graphiql ?? true) ? new GraphiqlPage('/graphql') : null;
  const handleCors = createCorsHandler(opts.cors ?? parseCorsOrigins(undefined, 'development'));

  const clientAddress = (req: http.IncomingMessage): string => {
    const forwarded = req.headers['x-forwarded-for'];
    if (limits.trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
    return req.socket.remoteAddress ?? 'unknown';
  };
  const rateLimited = (res: http.ServerResponse, retryAfterSeconds: number) =>
    sendError(
      res,
      ErrorCode.RATE_LIMITED,
      `Too many requests: retry in ${retryAfterSeconds} s`,
      429,
      { retryAfter: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );

  /**
   * The caller, or null when the response is already sent (401, or 429 for an address whose
   * failed attempts emptied its bucket: checked before the key is looked up, so guessing keys
   * costs no SQL once refused).
   */
  const authenticate = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<Viewer | null> => {
    const authorization = req.headers.authorization;
    // Anonymous: nothing to look up, no deadline to arm.
    if (!authorization) return services.auth.authenticate(authorization);
    const address = clientAddress(req);
    const blocked = await authFailureLimiter.peek(address);
    if (!blocked.ok) {
      rateLimited(res, blocked.retryAfterSeconds);
      return null;
    }
    try {
      return await withinDeadline(services.auth.authenticate(authorization), limits.requestTimeoutMs, limits.requestTimeoutMs);
    } catch (err) {
      // The database not answering is no failed attempt: a retriable 503.
      if (err instanceof ServiceUnavailableError || isDatabaseUnavailable(err)) {
        sendUnavailable(res, err instanceof ServiceUnavailableError ? err : new ServiceUnavailableError(undefined, err));
        return null;
      }
      if (!(err instanceof PasserelleError)) throw err;
      await authFailureLimiter.take(address);
      // (An expired key's 401 says so: reason EXPIRED, expiredAt.)
      const { code: _code, ...details } = err.extensions;
      sendError(res, err.code, err.message, httpStatusFor(err.code), details, { 'www-authenticate': 'Bearer' });
      return null;
    }
  };

  /** The request's child logger (its request id), made when first used. */
  const logOf = (scope: RequestScope): Logger => (scope.log ??= logger.child({ requestId: scope.requestId }));

  const handleGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, context: RequestScope) => {
    // REQUEST_TIMEOUT_MS covers authentication and execution, not the upload of the body.
    const authStarted = Date.now();
    const viewer = await authenticate(req, res);
    if (!viewer) {
      if (context.expectsContinue) res.setHeader('connection', 'close');
      return;
    }
    const decision =
      viewer.role === 'PUBLIC'
        ? await publicLimiter.take(clientAddress(req))
        : await keyLimiter.take(viewer.apiKeyId === null ? 'admin' : `key:${viewer.apiKeyId}`);
    if (!decision.ok) {
      if (context.expectsContinue) res.setHeader('connection', 'close');
      return rateLimited(res, decision.retryAfterSeconds);
    }
    let body: unknown = undefined;
    const bodyStarted = Date.now();
    if (req.method === 'POST') {
      const limit = viewer.role === 'PUBLIC' ? limits.publicBodyBytes : limits.authenticatedBodyBytes;
      const tooLarge = () =>
        sendError(
          res,
          'BAD_REQUEST',
          `Request body over ${limit} bytes (the limit for ${viewer.role === 'PUBLIC' ? 'anonymous' : 'authenticated'} requests)`,
          413,
        );
      if (Number(req.headers['content-length']) > limit && context.expectsContinue) {
        // Refused on its declared length, before `100 Continue`: the client never sends it.
        res.setHeader('connection', 'close');
        return tooLarge();
      }
      if (context.expectsContinue) res.writeContinue();
      const raw = await readBody(req, limit);
      if (raw === null) {
        tooLarge();
        return lingerClose(req, res);
      }
      try {
        body = raw.length ? parseJsonBody(raw) : undefined;
      } catch {
        return sendError(res, 'BAD_REQUEST', 'Request body is not valid JSON', 400);
      }
    } else if (context.expectsContinue) {
      res.writeContinue();
    }
    // A document over its caller's (smaller) token limit is refused before Apollo parses and
    // validates it; the larger limit is parse's own.
    const query = req.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query');
    const { limits: callerLimits, who } = limitsOf(viewer);
    if (
      typeof query === 'string' &&
      callerLimits.maxTokens < parseMaxTokens &&
      query.length > callerLimits.maxTokens &&
      hasMoreTokensThan(query, callerLimits.maxTokens)
    ) {
      const error = new QueryTooComplexError({ limit: 'tokens', max: callerLimits.maxTokens }, who);
      return sendError(res, ErrorCode.QUERY_TOO_COMPLEX, error.message, 400, { limit: 'tokens', max: callerLimits.maxTokens });
    }
    const method = req.method!.toUpperCase();
    const bodyMs = Date.now() - bodyStarted;
    // Anonymous queries: answered from the response cache while no write changed the offer stock
    // (src/graphql/response-cache.ts); the version is read before executing, so an answer computed
    // while a write commits is kept under the older version and never served after it.
    const cacheKey = viewer.role === 'PUBLIC' && responseCache.enabled ? ResponseCache.keyOf(method, body, url.searchParams) : null;
    const cacheVersion = cacheKey ? await currentSearchVersion(dataSource) : 0;
    if (cacheKey) {
      const hit = responseCache.get(cacheKey, cacheVersion);
      if (hit !== null) {
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(hit.length),
          'cache-control': publicCacheControl,
          'x-cache': 'HIT',
        });
        res.end(hit);
        return;
      }
    }
    // Apollo's view of the request: built only when Apollo answers (the lean path did not).
    const httpGraphQLRequest = (): HTTPGraphQLRequest => {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      return { method, headers, search: url.search, body };
    };
    const buildRequestContext = async () => {
      const ctx = buildContext(services, viewer, {
        requestId: context.requestId,
        log: logOf(context),
        record: context.record,
        metrics,
        now: clock(),
      });
      if (replicated) addressOfRequest.set(ctx.record, clientAddress(req));
      return ctx;
    };
    const leanRequest = lean && viewer.role === 'PUBLIC' ? leanRequestOf(req, body, url.searchParams) : null;
    const execute = async () => {
      let leanContext: GraphQLContext | null = null;
      if (leanRequest) {
        // Anonymous queries Apollo would answer plainly: compiled once, answered here (same bytes).
        leanContext = await buildRequestContext();
        const answer = await lean!.execute(leanRequest, callerLimits, leanContext);
        if (answer !== null)
          return {
            headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
            body: { kind: 'complete' as const, string: answer },
          };
      }
      // (After the lean path, with its context: a result with errors is answered by Apollo's executor as is.)
      const context = leanContext?.leanResult ? async () => leanContext : buildRequestContext;
      return apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: httpGraphQLRequest(), context });
    };
    let result: Awaited<ReturnType<typeof apollo.executeHTTPGraphQLRequest>>;
    try {
      const remainingMs = limits.requestTimeoutMs > 0 ? Math.max(1, limits.requestTimeoutMs - (Date.now() - authStarted - bodyMs)) : 0;
      // With read replicas, the request's reads go to a replica unless its caller wrote recently
      // (read-your-writes) or it is a mutation (readRoutingPlugin): src/db/read-routing.ts.
      const running = replicated
        ? withReadScope({ replicaAllowed: !recentWriters.wroteRecently(callerKeyOf({ viewer }, clientAddress(req))) }, execute)
        : execute();
      result = await withinDeadline(running, remainingMs, limits.requestTimeoutMs);
    } catch (err) {
      if (err instanceof ServiceUnavailableError) return sendUnavailable(res, err);
      throw err;
    }
    if (res.headersSent) return;
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of result.headers) outHeaders[key] = value;
    if (result.body.kind === 'complete') {
      const maxBytes = callerLimits.maxResponseBytes;
      // (string length <= UTF-8 bytes <= 3 x length: the exact count only when it is close.)
      if (
        result.body.string === RESPONSE_TOO_LARGE_MARK ||
        (result.body.string.length * 3 > maxBytes && Buffer.byteLength(result.body.string) > maxBytes)
      ) {
        context.record.errorCodes = [];
        return sendError(
          res,
          ErrorCode.RESPONSE_TOO_LARGE,
          `Response larger than ${maxBytes} bytes (the limit for ${who} callers): ask for fewer or smaller pages (docs/operations.md, "Limits")`,
          400,
          { max: maxBytes },
        );
      }
      const operationType = context.record.operationType;
      if (viewer.role !== 'PUBLIC') {
        outHeaders['cache-control'] = 'no-store'; // a caller's own view: never kept by a CDN or browser
      } else if (cacheKey && operationType === 'query' && (result.status ?? 200) === 200 && !result.body.string.includes('"errors":')) {
        responseCache.set(cacheKey, cacheVersion, result.body.string);
        outHeaders['cache-control'] ??= publicCacheControl;
        outHeaders['x-cache'] = 'MISS';
      }
      // A known length: one write, no chunked framing.
      outHeaders['content-length'] = String(Buffer.byteLength(result.body.string));
      res.writeHead(result.status ?? 200, outHeaders);
      res.end(result.body.string);
    } else {
      res.writeHead(result.status ?? 200, outHeaders);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  /** GET /metrics: a METRICS_TOKEN bearer, or an AGENCY key (never public). */
  const handleMetrics = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const token = bearerOf(req.headers.authorization);
    const byToken = !!opts.metricsToken && token !== null && sameSecret(token, opts.metricsToken);
    if (!byToken) {
      const viewer = await authenticate(req, res);
      if (!viewer) return;
      if (viewer.role === 'PUBLIC') {
        return sendError(
          res,
          ErrorCode.UNAUTHENTICATED,
          'Metrics need the METRICS_TOKEN or an AGENCY key',
          401,
          {},
          { 'www-authenticate': 'Bearer' },
        );
      }
      if (viewer.role !== 'AGENCY') return sendError(res, ErrorCode.FORBIDDEN, 'Metrics need the METRICS_TOKEN or an AGENCY key', 403);
    }
    const text = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  };

  /** Ready: not shutting down, the database answers, and no migration is pending. */
  const handleReady = async (res: http.ServerResponse) => {
    const problems: string[] = [];
    if (shuttingDown) problems.push('shutting down');
    else {
      try {
        await dataSource.query('SELECT 1');
        if (await dataSource.showMigrations()) problems.push('migrations pending');
      } catch (err) {
        problems.push('database unreachable');
        logger.warn({ err, requestId: scopes.get(res)?.requestId }, 'Readiness check: database unreachable');
      }
    }
    sendJson(res, problems.length ? 503 : 200, problems.length ? { status: 'unavailable', problems } : { status: 'ok' });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    if (shuttingDown) res.setHeader('connection', 'close');
    // (The endpoint's own address, the common case, is parsed once: nothing changes a request's URL.)
    const url = req.url === '/graphql' ? GRAPHQL_URL : new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    const scope: RequestScope = {
      requestId,
      expectsContinue,
      log: null,
      record: { route: routeLabel(route), operation: null, errorCodes: [] },
    };
    scopes.set(res, scope);
    inFlight++;
    res.once('close', () => {
      inFlight--;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.recordRequest(scope.record, seconds, res.statusCode);
      // An access log line per request, at debug level (LOG_LEVEL=debug).
      if (logger.isLevelEnabled('debug'))
        logOf(scope).debug(
          {
            method: req.method,
            path: route,
            status: res.statusCode,
            ms: Math.round(seconds * 1000),
            operation: scope.record.operation ?? undefined,
          },
          'request',
        );
    });
    const fail = (err: unknown) => {
      logOf(scope).error({ err, method: req.method, path: route }, `Unexpected error: ${err instanceof Error ? err.message : String(err)}`);
      scope.record.errorCodes = [];
      if (!res.headersSent) return sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error', 500);
      scope.record.errorCodes.push(ErrorCode.INTERNAL_SERVER_ERROR);
      res.destroy();
    };
    // Routes other than /graphql read no body: a client waiting for `100 Continue` gets it at once.
    if (expectsContinue && route !== '/graphql') res.writeContinue();
    if (route === '/graphql' && graphiql && req.method === 'GET' && !url.search && (req.headers.accept ?? '').includes('text/html')) {
      // A browser opening the endpoint (development): GraphiQL. Its keys, if any, are the demo ones.
      const html = graphiql.render();
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(Buffer.byteLength(html)),
        'cache-control': 'no-store',
      });
      res.end(html);
    } else if (route === '/graphql') {
      if (handleCors(req, res)) return; // a preflight, answered
      handleGraphQL(req, res, url, scope).catch(fail);
    } else if (route === '/health' || route === '/health/live') {
      sendJson(res, 200, { status: 'ok' });
    } else if (route === '/health/ready') {
      handleReady(res).catch(fail);
    } else if (route === '/metrics') {
      handleMetrics(req, res).catch(fail);
    } else if (route.startsWith('/reports/')) {
      // Report pages run the audience and hub queries: limited per client address like anonymous
      // GraphQL calls (a bucket of their own); their static assets are not.
      const serveReport = async () => {
        if (!route.startsWith('/reports/assets/')) {
          const decision = await publicLimiter.take(`reports:${clientAddress(req)}`);
          if (!decision.ok) {
            res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(decision.retryAfterSeconds) });
            res.end(`Too many requests: retry in ${decision.retryAfterSeconds} s\n`);
            return;
          }
        }
        await handleReportRequest(req, res, url, services, clock());
      };
      serveReport().catch(fail);
    } else if (route === '/') {
      res.writeHead(302, { location: '/graphql' });
      res.end();
    } else {
      sendJson(res, 404, { error: 'Not found: the GraphQL endpoint is /graphql' });
    }
  };

  const server = http.createServer((req, res) => handle(req, res, false));
  // `Expect: 100-continue`: we answer `100 Continue` ourselves, once the body is known to fit.
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    services,
    metrics,
    setDemoKeys: (keys) => graphiql?.setDemoKeys(keys),
    close: async ({ graceMs = 0 } = {}) => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        server.closeIdleConnections();
      }
      if (inFlight > 0)
        logger.warn({ inFlight }, `Shutdown: ${inFlight} requests still running after ${graceMs} ms, closing their connections`);
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}

/** The URL of a request to `/graphql` with no query string, as `handle` parses every other. */
const GRAPHQL_URL = new URL('/graphql', 'http://localhost');

/** What the request handler knows of one request. */
interface RequestScope {
  requestId: string;
  /** The client sent `Expect: 100-continue` and waits for it before sending its body. */
  expectsContinue: boolean;
  /** Its child logger (with its request id), made when first used (logOf): most requests log nothing. */
  log: Logger | null;
  record: RequestRecord;
}

function routeLabel(route: string): string {
  if (route === '/graphql') return 'graphql';
  if (route.startsWith('/reports/')) return 'reports';
  if (route.startsWith('/health')) return 'health';
  if (route === '/metrics') return 'metrics';
  return 'other';
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
