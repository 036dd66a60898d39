import path from 'node:path';
import { PROJECT_ROOT } from './lib/paths';

/** Where a MySQL/MariaDB server listens, and who we are there. */
export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  socketPath?: string;
}

/**
 * Read replicas of a MySQL/MariaDB primary (DATABASE_REPLICA_URLS): the request path's reads go
 * to them, writes and the reads of a mutation to the primary (docs/scaling.md, "Read replicas").
 */
export interface ReplicationConfig {
  replicas: MysqlEndpoint[];
  /** After a mutation, the same caller's reads go to the primary this long (read-your-writes). */
  readYourWritesMs: number;
  /** A replica that failed is left out this long, then tried again. */
  retryMs: number;
}

export type DatabaseConfig =
  { type: 'sqlite'; path: string } | ({ type: 'mysql'; database: string; replication?: ReplicationConfig } & MysqlEndpoint);

export interface AppConfig {
  /**
   * Redis (REDIS_URL, e.g. redis://127.0.0.1:6379) for the state every hub process must share:
   * rate-limit buckets and persisted queries; null: each process's memory (one process). Keys are
   * under REDIS_PREFIX (default `passerelle:`).
   */
  redis: { url: string | null; prefix: string };
  port: number;
  database: DatabaseConfig;
  databaseTimeouts: DatabaseTimeouts;
  /** Seed the demo data at start-up (default: on unless NODE_ENV=production). */
  seedDemo: boolean;
  /** Log every SQL statement (TypeORM logging), for debugging. */
  logSql: boolean;
  limits: HttpLimits;
  /** Query cost limits per caller class (docs/operations.md, "Limits"). */
  queryLimits: QueryLimitsConfig;
  /** The anonymous response cache (src/graphql/response-cache.ts). */
  responseCache: { ttlSeconds: number; maxEntries: number; maxBytes: number };
  /** Structured logs (pino): level, or 'silent'. */
  logLevel: LogLevel;
  /** Field suggestions ("Did you mean ...?") in validation errors: off in production. */
  fieldSuggestions: boolean;
  /** Bearer token for GET /metrics (an AGENCY key is accepted too); null: AGENCY keys only. */
  metricsToken: string | null;
  /** GraphiQL at GET /graphql for browsers (default: on unless NODE_ENV=production). */
  graphiql: boolean;
  /** Anonymous queries answered without Apollo's per-request pipeline (src/graphql/lean-executor.ts): LEAN_READ_PATH. */
  leanReadPath: boolean;
  /**
   * Schema introspection (`__schema`, `__type`) for internal tools and client codegen:
   * GRAPHQL_INTROSPECTION, default on unless NODE_ENV=production.
   */
  introspection: boolean;
  /** Browser origins allowed to call /graphql (CORS_ORIGINS; see parseCorsOrigins). */
  cors: CorsPolicy;
  /** What the services need from the environment (passed to startHub, then createServices). */
  services: ServiceSettings;
  /** main.ts's background work: how often each timer runs. */
  background: BackgroundSettings;
}

/** The services' settings (src/services.ts hands each service its part). */
export interface ServiceSettings {
  /** PASSERELLE_ADMIN_KEY: a bootstrap key accepted as AGENCY; null: none. */
  adminKey: string | null;
  /** OFFER_COUNT_CACHE_SECONDS: public totals and facets shared between requests this long (0: never). */
  countCacheSeconds: number;
  /** KEYWORD_CACHE_SECONDS: a keyword search's ordered match list (ids only) kept this long (0: never). */
  keywordCacheSeconds: number;
  /** STOCK_VERSION_POLL_MS: the shared offer-stock version (data_version) read at most this often (0: before every count). */
  stockVersionPollMs: number;
  /** OFFER_COUNT_WRITE_COALESCE_MS: while recounts keep the database busy, this process's writes reach its counts together at most this often (0: each at once). */
  countWriteCoalesceMs: number;
  /** SEARCH_SYNC_BACKLOG: MariaDB, a keyword search indexes a backlog up to this size itself (0: never). */
  searchSyncBacklog: number;
  /** AUDIENCE_MAX_EVENT_AGE_DAYS: audience events older than this are rejected (TOO_OLD). */
  audienceMaxEventAgeDays: number;
  /** REPORT_LINK_SECRET: the report links' signing secret, shared by a site's processes; null: random per process. */
  reportLinkSecret: string | null;
  /** REPORT_LINK_TTL_SECONDS: how long a report link works. */
  reportLinkTtlSeconds: number;
  /** Which webhook URLs partners may register (SYNDICATION_WEBHOOK_ALLOW_LOOPBACK). */
  webhookUrlPolicy: { allowLoopback: boolean };
  /** Webhook deliveries: changes per POST, a slower answer is a failure, failures in a row before a pause. */
  webhookDelivery: { batchSize: number; timeoutMs: number; maxFailures: number };
}

/** main.ts's timers. */
export interface BackgroundSettings {
  /** SEARCH_INDEX_INTERVAL_MS: MariaDB, how often the background indexer looks at its queue. */
  searchIndexIntervalMs: number;
  /** SEARCH_INDEX_MAX_LAG_SECONDS: how long the background indexer may defer to a growing queue. */
  searchIndexMaxLagSeconds: number;
  /** SYNDICATION_DELIVERY_INTERVAL_MS: how often the change log is sequenced and webhooks delivered. */
  syndicationDeliveryIntervalMs: number;
  /** SYNDICATION_RETENTION_HOURS, SYNDICATION_HORIZON_DAYS, SYNDICATION_COMPACT_INTERVAL_MINUTES (docs/syndication.md). */
  syndicationCompaction: { retentionMs: number; horizonMs: number; intervalMs: number };
  /** RETENTION_INTERVAL_MINUTES: how often candidate data's storage limits are applied. */
  retentionIntervalMs: number;
}

/** The services' settings when nothing is set (what loadConfig({}) gives). */
export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = {
  adminKey: null,
  countCacheSeconds: 10,
  keywordCacheSeconds: 60,
  stockVersionPollMs: 1000,
  countWriteCoalesceMs: 5000,
  searchSyncBacklog: 5_000,
  audienceMaxEventAgeDays: 7,
  reportLinkSecret: null,
  reportLinkTtlSeconds: 15 * 60,
  webhookUrlPolicy: { allowLoopback: false },
  webhookDelivery: { batchSize: 100, timeoutMs: 10_000, maxFailures: 8 },
};

/** The timers' settings when nothing is set. */
export const DEFAULT_BACKGROUND_SETTINGS: BackgroundSettings = {
  searchIndexIntervalMs: 1_000,
  searchIndexMaxLagSeconds: 60,
  syndicationDeliveryIntervalMs: 1_000,
  syndicationCompaction: { retentionMs: 24 * 3_600_000, horizonMs: 30 * 86_400_000, intervalMs: 60 * 60_000 },
  retentionIntervalMs: 60 * 60_000,
};

/**
 * Which browser origins may call the API from their pages (CORS). `any`: every origin, and then
 * never with credentials; otherwise the exact origins listed, plus any http(s) origin on localhost,
 * 127.0.0.1 or [::1] when `localhost`. Nothing listed: no cross-origin browser call at all.
 */
export type CorsPolicy = { any: true } | { any: false; origins: string[]; localhost: boolean };

/** No cross-origin browser call (the production default). */
export const NO_CORS: CorsPolicy = { any: false, origins: [], localhost: false };

/**
 * CORS_ORIGINS: a comma-separated list of origins (`https://emploi.example.fr`, scheme, host and
 * port only), the word `localhost` (any port of localhost, 127.0.0.1, [::1]), `*` (any origin,
 * alone, never with credentials) or `none`. Unset: `localhost` in development, `none` in production.
 * Anything else stops the start, naming what is wrong.
 */
export function parseCorsOrigins(value: string | undefined, nodeEnv: string): CorsPolicy {
  if (value === undefined || value.trim() === '') return nodeEnv === 'production' ? NO_CORS : { any: false, origins: [], localhost: true };
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.includes('*')) {
    if (items.length > 1) throw new Error('CORS_ORIGINS: "*" (any origin) stands alone; list origins or use "*", not both');
    return { any: true };
  }
  if (items.length === 1 && items[0] === 'none') return NO_CORS;
  const policy = { any: false as const, origins: [] as string[], localhost: false };
  for (const item of items) {
    if (item === 'localhost') {
      policy.localhost = true;
      continue;
    }
    let url: URL | null = null;
    try {
      url = new URL(item);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== item.replace(/\/$/, '')) {
      throw new Error(
        `CORS_ORIGINS: "${item}" is not an origin (scheme, host and optional port, e.g. https://emploi.example.fr), "localhost", "*" or "none"`,
      );
    }
    policy.origins.push(url.origin);
  }
  return policy;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What one GraphQL operation may ask for, checked before any resolver runs. */
export interface QueryLimits {
  /** Lexical tokens of the document (graphql-js's own parse `maxTokens`). */
  maxTokens: number;
  /** Nesting of fields (a root field is depth 1); introspection fields are not counted. */
  maxDepth: number;
  /** Aliased fields in the operation, fragments expanded. */
  maxAliases: number;
  /** Directive uses (@skip, @include, ...), fragments expanded. */
  maxDirectives: number;
  /** Estimated cost (src/graphql/query-limits.ts): page sizes multiply, counts cost their SQL. */
  maxCost: number;
  /** Bytes of JSON in one response; past it the response is refused (RESPONSE_TOO_LARGE). */
  maxResponseBytes: number;
}

export interface QueryLimitsConfig {
  /** Anonymous (PUBLIC) callers. */
  anonymous: QueryLimits;
  /** Callers with an API key (PARTNER, AGENCY). */
  authenticated: QueryLimits;
}

export const DEFAULT_QUERY_LIMITS: QueryLimitsConfig = {
  anonymous: { maxTokens: 2_000, maxDepth: 10, maxAliases: 30, maxDirectives: 20, maxCost: 5_000, maxResponseBytes: 16 * 1024 * 1024 },
  authenticated: {
    maxTokens: 20_000,
    maxDepth: 15,
    maxAliases: 200,
    maxDirectives: 100,
    maxCost: 50_000,
    maxResponseBytes: 128 * 1024 * 1024,
  },
};

/** Abuse limits of the HTTP endpoint (docs/operations.md, "Limits"). */
export interface HttpLimits {
  /** Token bucket per client address for anonymous (PUBLIC) requests. */
  publicPerSecond: number;
  publicBurst: number;
  /** Token bucket per API key. */
  keyPerSecond: number;
  keyBurst: number;
  /** Request body limits: anonymous queries, and authenticated calls (ingestion). */
  publicBodyBytes: number;
  authenticatedBodyBytes: number;
  /**
   * Failed authentications (unknown, malformed or revoked keys) per client address: a bucket
   * checked before the key is looked up, so guessing keys ends in 429s, not SQL lookups.
   */
  authFailurePerSecond: number;
  authFailureBurst: number;
  /** Take the client address from X-Forwarded-For (behind a trusted reverse proxy). */
  trustProxy: boolean;
  /**
   * The longest the hub works on one GraphQL request (authentication, then execution; the upload
   * of its body not counted) before answering SERVICE_UNAVAILABLE (503, retriable); 0: no limit.
   */
  requestTimeoutMs: number;
}

/** How long the database may keep a request waiting (docs/operations.md). */
export interface DatabaseTimeouts {
  /**
   * MariaDB/MySQL: time limit of each read statement of the read path (`max_statement_time`; a
   * statement waiting for a lock counts); 0: none. Writes are not cut (an upsert's transaction is
   * all or none; REQUEST_TIMEOUT_MS answers the client meanwhile).
   */
  statementTimeoutMs: number;
  /** SQLite: how long a write waits for another process's write lock (busy timeout) before failing. */
  busyTimeoutMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { statementTimeoutMs: 5_000, busyTimeoutMs: 5_000 };

export const DEFAULT_LIMITS: HttpLimits = {
  publicPerSecond: 50,
  publicBurst: 100,
  keyPerSecond: 20,
  keyBurst: 40,
  publicBodyBytes: 256 * 1024,
  authenticatedBodyBytes: 64 * 1024 * 1024,
  authFailurePerSecond: 0.5,
  authFailureBurst: 20,
  trustProxy: false,
  requestTimeoutMs: 8_000,
};

/**
 * A numeric setting: `fallback` when unset or empty, else a number of at least `min` (or over
 * `above`; a whole number if `integer`), or an error naming the variable and what it expects.
 */
export function numberFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  rule: ({ min: number; above?: never } | { above: number; min?: never }) & { integer?: boolean; unit?: string },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const inRange = rule.above !== undefined ? value > rule.above : value >= rule.min;
  if (!Number.isFinite(value) || !inRange || (rule.integer && !Number.isInteger(value))) {
    const kind = `${rule.integer ? 'a whole number' : 'a number'}${rule.unit ? ` of ${rule.unit}` : ''}`;
    const bound = rule.above !== undefined ? `> ${rule.above}` : `>= ${rule.min}`;
    throw new Error(`${name} must be ${kind} ${bound}, got "${raw}"`);
  }
  return value;
}

/** A text setting: null when unset or empty. */
function textFromEnv(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

export const DEFAULT_SQLITE_PATH = path.join(PROJECT_ROOT, 'data', 'passerelle.sqlite');

/**
 * Parses a DATABASE_URL: `mysql://user:pass@host:port/db` (also `mariadb://`), `sqlite:<path>`
 * (relative to the working directory; `sqlite::memory:` for an in-memory database).
 */
export function parseDatabaseUrl(url: string | undefined, variable = 'DATABASE_URL'): DatabaseConfig {
  if (!url) return { type: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (url.startsWith('sqlite:')) {
    const p = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!p) throw new Error(`${variable} sqlite:<path> needs a path`);
    return { type: 'sqlite', path: p === ':memory:' ? p : path.resolve(p) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${variable} is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new Error(`${variable} must be mysql://..., mariadb://... or sqlite:<path>, got ${parsed.protocol}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`${variable} must name a database: mysql://user@host:3306/passerelle`);
  if (!/^[A-Za-z0-9_$]+$/.test(database)) throw new Error(`Unsupported database name: ${database}`);
  // ?socket=/run/mysqld/mysqld.sock: the server's Unix socket instead of TCP (a hub on the
  // database's host: each round trip skips the TCP stack).
  const socketPath = parsed.searchParams.get('socket') || undefined;
  for (const name of parsed.searchParams.keys())
    if (name !== 'socket') throw new Error(`${variable}: unknown parameter "${name}" (only socket=<path>)`);
  return {
    type: 'mysql',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password || ''),
    database,
    ...(socketPath ? { socketPath } : {}),
  };
}

/**
 * DATABASE_REPLICA_URLS: comma-separated `mysql://user:pass@host:port` URLs of read replicas of the
 * DATABASE_URL primary (their database name, if given, must be the primary's).
 */
export function parseReplicaUrls(primary: DatabaseConfig, value: string | undefined, env: NodeJS.ProcessEnv = {}): DatabaseConfig {
  if (value === undefined || value.trim() === '') return primary;
  if (primary.type !== 'mysql') throw new Error('DATABASE_REPLICA_URLS needs a MySQL/MariaDB DATABASE_URL (replicas of that primary)');
  const replicas = value.split(',').map((raw) => {
    const url = raw.trim();
    const parsed = parseDatabaseUrl(/^(mysql|mariadb):\/\/[^/]*$/.test(url) ? `${url}/${primary.database}` : url, 'DATABASE_REPLICA_URLS');
    if (parsed.type !== 'mysql') throw new Error(`DATABASE_REPLICA_URLS: ${url} is not a mysql:// URL`);
    if (parsed.database !== primary.database)
      throw new Error(`DATABASE_REPLICA_URLS: ${url} names database ${parsed.database}, the primary's is ${primary.database}`);
    const { type: _type, database: _database, ...endpoint } = parsed;
    return endpoint;
  });
  return {
    ...primary,
    replication: {
      replicas,
      readYourWritesMs: numberFromEnv(env, 'DATABASE_READ_YOUR_WRITES_MS', 5000, { min: 0, integer: true, unit: 'milliseconds' }),
      retryMs: numberFromEnv(env, 'DATABASE_REPLICA_RETRY_MS', 5000, { min: 100, integer: true, unit: 'milliseconds' }),
    },
  };
}

/** REDIS_URL: a redis:// or rediss:// URL, or unset. */
export function parseRedisUrl(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`REDIS_URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error(`REDIS_URL must be redis://host:port or rediss://..., got ${url.protocol}`);
  return value.trim();
}

function parseRedisPrefix(value: string | undefined): string {
  if (value === undefined || value === '') return 'passerelle:';
  if (!/^[\w:.-]{1,64}$/.test(value)) throw new Error(`REDIS_PREFIX must be 1 to 64 letters, digits, _ : . or -, got "${value}"`);
  return value;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0..65535, got ${value}`);
  return port;
}

function metricsToken(value: string): string {
  if (value.length < 16 || /\s/.test(value)) throw new Error('METRICS_TOKEN must be at least 16 characters, without spaces');
  return value;
}

/** A boolean setting: `fallback` when unset or empty, else true/false (1/0, yes/no, on/off), or an error naming the variable. */
export function boolFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function queryLimitsFromEnv(env: NodeJS.ProcessEnv, who: 'ANONYMOUS' | 'KEY', defaults: QueryLimits): QueryLimits {
  const setting = (name: string, fallback: number) => numberFromEnv(env, `QUERY_${name}_${who}`, fallback, { min: 1, integer: true });
  return {
    maxTokens: setting('MAX_TOKENS', defaults.maxTokens),
    maxDepth: setting('MAX_DEPTH', defaults.maxDepth),
    maxAliases: setting('MAX_ALIASES', defaults.maxAliases),
    maxDirectives: setting('MAX_DIRECTIVES', defaults.maxDirectives),
    maxCost: setting('MAX_COST', defaults.maxCost),
    maxResponseBytes: setting('MAX_RESPONSE_BYTES', defaults.maxResponseBytes),
  };
}

/** LOG_LEVEL: pino's levels or `silent`; default `info` (`silent` under NODE_ENV=test). */
function parseLogLevel(value: string | undefined, nodeEnv: string): LogLevel {
  if (value === undefined || value === '') return nodeEnv === 'test' ? 'silent' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${value}`);
  return value as LogLevel;
}

/**
 * The configuration, parsed once at start-up from the environment variables (CONFIG_VARIABLES, the
 * README's table). A bad value stops the start with a message naming the variable: never a silent
 * default. Nothing else in src/ reads process.env: main.ts passes the parts on.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV || 'development';
  const production = nodeEnv === 'production';
  const ms = (name: string, fallback: number, min = 0) => numberFromEnv(env, name, fallback, { min, integer: true, unit: 'milliseconds' });
  const positive = (name: string, fallback: number) => numberFromEnv(env, name, fallback, { above: 0 });
  const services = DEFAULT_SERVICE_SETTINGS;
  const background = DEFAULT_BACKGROUND_SETTINGS;
  return {
    port: parsePort(env.PORT),
    database: parseReplicaUrls(parseDatabaseUrl(env.DATABASE_URL), env.DATABASE_REPLICA_URLS, env),
    databaseTimeouts: {
      statementTimeoutMs: numberFromEnv(env, 'DB_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs, {
        min: 0,
        integer: true,
        unit: 'ms',
      }),
      busyTimeoutMs: numberFromEnv(env, 'DB_BUSY_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.busyTimeoutMs, {
        min: 0,
        integer: true,
        unit: 'ms',
      }),
    },
    seedDemo: boolFromEnv(env, 'SEED_DEMO', !production),
    logSql: boolFromEnv(env, 'LOG_SQL', false),
    limits: {
      publicPerSecond: positive('RATE_LIMIT_PUBLIC_PER_SECOND', DEFAULT_LIMITS.publicPerSecond),
      publicBurst: positive('RATE_LIMIT_PUBLIC_BURST', DEFAULT_LIMITS.publicBurst),
      keyPerSecond: positive('RATE_LIMIT_KEY_PER_SECOND', DEFAULT_LIMITS.keyPerSecond),
      keyBurst: positive('RATE_LIMIT_KEY_BURST', DEFAULT_LIMITS.keyBurst),
      publicBodyBytes: positive('MAX_BODY_BYTES_PUBLIC', DEFAULT_LIMITS.publicBodyBytes),
      authenticatedBodyBytes: positive('MAX_BODY_BYTES_AUTHENTICATED', DEFAULT_LIMITS.authenticatedBodyBytes),
      authFailurePerSecond: positive('RATE_LIMIT_AUTH_FAILURE_PER_SECOND', DEFAULT_LIMITS.authFailurePerSecond),
      authFailureBurst: positive('RATE_LIMIT_AUTH_FAILURE_BURST', DEFAULT_LIMITS.authFailureBurst),
      trustProxy: boolFromEnv(env, 'TRUST_PROXY', false),
      requestTimeoutMs: numberFromEnv(env, 'REQUEST_TIMEOUT_MS', DEFAULT_LIMITS.requestTimeoutMs, { min: 0, integer: true, unit: 'ms' }),
    },
    introspection: boolFromEnv(env, 'GRAPHQL_INTROSPECTION', !production),
    cors: parseCorsOrigins(env.CORS_ORIGINS, nodeEnv),
    queryLimits: {
      anonymous: queryLimitsFromEnv(env, 'ANONYMOUS', DEFAULT_QUERY_LIMITS.anonymous),
      authenticated: queryLimitsFromEnv(env, 'KEY', DEFAULT_QUERY_LIMITS.authenticated),
    },
    logLevel: parseLogLevel(env.LOG_LEVEL, nodeEnv),
    fieldSuggestions: boolFromEnv(env, 'GRAPHQL_FIELD_SUGGESTIONS', !production),
    metricsToken: env.METRICS_TOKEN ? metricsToken(env.METRICS_TOKEN) : null,
    graphiql: boolFromEnv(env, 'GRAPHIQL', !production),
    leanReadPath: boolFromEnv(env, 'LEAN_READ_PATH', true),
    redis: { url: parseRedisUrl(env.REDIS_URL), prefix: parseRedisPrefix(env.REDIS_PREFIX) },
    responseCache: {
      ttlSeconds: numberFromEnv(env, 'RESPONSE_CACHE_SECONDS', 2, { min: 0, integer: true, unit: 'seconds' }),
      maxEntries: numberFromEnv(env, 'RESPONSE_CACHE_MAX_ENTRIES', 5_000, { min: 1, integer: true }),
      maxBytes: numberFromEnv(env, 'RESPONSE_CACHE_MAX_MB', 64, { min: 1, integer: true, unit: 'MiB' }) * 1024 * 1024,
    },
    services: {
      adminKey: textFromEnv(env, 'PASSERELLE_ADMIN_KEY'),
      countCacheSeconds: numberFromEnv(env, 'OFFER_COUNT_CACHE_SECONDS', services.countCacheSeconds, { min: 0, unit: 'seconds' }),
      keywordCacheSeconds: numberFromEnv(env, 'KEYWORD_CACHE_SECONDS', services.keywordCacheSeconds, { min: 0, unit: 'seconds' }),
      stockVersionPollMs: ms('STOCK_VERSION_POLL_MS', services.stockVersionPollMs),
      countWriteCoalesceMs: ms('OFFER_COUNT_WRITE_COALESCE_MS', services.countWriteCoalesceMs),
      searchSyncBacklog: numberFromEnv(env, 'SEARCH_SYNC_BACKLOG', services.searchSyncBacklog, { min: 0, integer: true, unit: 'offers' }),
      audienceMaxEventAgeDays: numberFromEnv(env, 'AUDIENCE_MAX_EVENT_AGE_DAYS', services.audienceMaxEventAgeDays, {
        min: 1,
        integer: true,
        unit: 'days',
      }),
      reportLinkSecret: textFromEnv(env, 'REPORT_LINK_SECRET'),
      reportLinkTtlSeconds: numberFromEnv(env, 'REPORT_LINK_TTL_SECONDS', services.reportLinkTtlSeconds, {
        min: 1,
        integer: true,
        unit: 'seconds',
      }),
      webhookUrlPolicy: { allowLoopback: boolFromEnv(env, 'SYNDICATION_WEBHOOK_ALLOW_LOOPBACK', false) },
      webhookDelivery: {
        batchSize: numberFromEnv(env, 'SYNDICATION_WEBHOOK_BATCH', services.webhookDelivery.batchSize, {
          min: 1,
          integer: true,
          unit: 'changes',
        }),
        timeoutMs: ms('SYNDICATION_WEBHOOK_TIMEOUT_MS', services.webhookDelivery.timeoutMs, 1),
        maxFailures: numberFromEnv(env, 'SYNDICATION_WEBHOOK_MAX_FAILURES', services.webhookDelivery.maxFailures, {
          min: 1,
          integer: true,
          unit: 'failures',
        }),
      },
    },
    background: {
      searchIndexIntervalMs: ms('SEARCH_INDEX_INTERVAL_MS', background.searchIndexIntervalMs, 10),
      searchIndexMaxLagSeconds: numberFromEnv(env, 'SEARCH_INDEX_MAX_LAG_SECONDS', background.searchIndexMaxLagSeconds, {
        min: 0,
        unit: 'seconds',
      }),
      syndicationDeliveryIntervalMs: ms('SYNDICATION_DELIVERY_INTERVAL_MS', background.syndicationDeliveryIntervalMs, 10),
      syndicationCompaction: {
        retentionMs: numberFromEnv(env, 'SYNDICATION_RETENTION_HOURS', 24, { min: 0, unit: 'hours' }) * 3_600_000,
        horizonMs: numberFromEnv(env, 'SYNDICATION_HORIZON_DAYS', 30, { min: 1, unit: 'days' }) * 86_400_000,
        intervalMs: numberFromEnv(env, 'SYNDICATION_COMPACT_INTERVAL_MINUTES', 60, { min: 1, unit: 'minutes' }) * 60_000,
      },
      retentionIntervalMs: Math.round(numberFromEnv(env, 'RETENTION_INTERVAL_MINUTES', 60, { above: 0, unit: 'minutes' }) * 60_000),
    },
  };
}

/**
 * One row of the README's configuration table: the variables (a `*` stands for several, listed in
 * the doc the row names), their defaults as the table shows them, and what they mean. A unit test
 * holds the README to exactly these rows, loadConfig to reading exactly these variables, and each
 * literal default to what loadConfig does when the variable is unset.
 */
export interface ConfigVariable {
  names: string[];
  default: string;
  description: string;
}

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { names: ['PORT'], default: '`4000`', description: 'HTTP port' },
  {
    names: ['DATABASE_URL'],
    default: '`sqlite:./data/passerelle.sqlite`',
    description: '`mysql://user:pass@host:port/db` (MySQL or MariaDB; `mariadb://` works too) or `sqlite:<path>`',
  },
  {
    names: ['DATABASE_REPLICA_URLS'],
    default: 'unset',
    description:
      "comma-separated `mysql://user:pass@host:port` read replicas of the `DATABASE_URL` primary: the request path's reads go to them (docs/scaling.md)",
  },
  {
    names: ['REDIS_URL'],
    default: 'unset',
    description:
      "`redis://host:port`: rate-limit buckets and automatic persisted queries shared by every hub process (unset: each process's memory)",
  },
  {
    names: ['REDIS_PREFIX'],
    default: '`passerelle:`',
    description: "prefix of the hub's Redis keys (several hubs or environments on one Redis)",
  },
  {
    names: ['RESPONSE_CACHE_SECONDS', 'RESPONSE_CACHE_MAX_ENTRIES', 'RESPONSE_CACHE_MAX_MB'],
    default: '`2`, `5000`, `64`',
    description:
      'anonymous answers served again for this long unless the offer stock changed (0: off); the `max-age` of `Cache-Control: public` (docs/search.md, "Response cache")',
  },
  {
    names: ['DATABASE_READ_YOUR_WRITES_MS'],
    default: '`5000`',
    description: "with replicas: after a mutation, that caller's reads go to the primary this long",
  },
  {
    names: ['DATABASE_REPLICA_RETRY_MS'],
    default: '`5000`',
    description: 'with replicas: a replica that failed is left out this long, then tried again (≥ 100)',
  },
  { names: ['NODE_ENV'], default: '`development`', description: '`production` turns off demo seeding by default' },
  { names: ['SEED_DEMO'], default: 'on unless production', description: 'seed the demo data at start-up (`true`/`false`)' },
  { names: ['LOG_SQL'], default: '`false`', description: 'print every SQL statement' },
  {
    names: ['CORS_ORIGINS'],
    default: '`localhost` in development, `none` in production',
    description:
      'browser origins allowed to call `/graphql` from their pages: a comma-separated list of origins (`https://emploi.example.fr`), `localhost` (any port), `*` (any origin, never with credentials) or `none` (docs/operations.md, "Browsers on other origins")',
  },
  {
    names: ['GRAPHQL_INTROSPECTION'],
    default: 'on unless production',
    description:
      'schema introspection (`__schema`, `__type`) for internal tools, GraphiQL-like explorers and client codegen (`true`/`false`; anything else stops the start)',
  },
  { names: ['PASSERELLE_ADMIN_KEY'], default: 'unset', description: 'a bootstrap key accepted as AGENCY' },
  {
    names: ['OFFER_COUNT_CACHE_SECONDS'],
    default: '`10`',
    description: 'how long public totals and facets are shared between requests (0: never)',
  },
  {
    names: ['OFFER_COUNT_WRITE_COALESCE_MS'],
    default: '`5000`',
    description:
      'while recounts keep the database busy (a tenth of the time or more, and for 10 s after), a hub takes its own offer writes into its totals and facets together, at most this often (a partner pushing every second then does not have everything recounted every second); pages, and counts otherwise, follow every write at once (0: always at once)',
  },
  {
    names: ['STOCK_VERSION_POLL_MS'],
    default: '`1000`',
    description: "how often a hub reads the shared stock version at most, so counts follow other processes' writes (0: before every count)",
  },
  {
    names: ['KEYWORD_CACHE_SECONDS'],
    default: '`60`',
    description: 'how long a keyword search keeps its ordered match list (ids only; 0: never)',
  },
  {
    names: ['SEARCH_INDEX_INTERVAL_MS'],
    default: '`1000`',
    description: 'MariaDB: how often a hub process indexes queued offers in the background (≥ 10)',
  },
  {
    names: ['SEARCH_INDEX_MAX_LAG_SECONDS'],
    default: '`60`',
    description: 'MariaDB: how long the background indexer may defer to a growing queue (a bulk load)',
  },
  {
    names: ['SEARCH_SYNC_BACKLOG'],
    default: '`5000`',
    description: 'MariaDB: a keyword search indexes a backlog up to this size itself before it runs (0: never)',
  },
  {
    names: ['RATE_LIMIT_*', 'MAX_BODY_BYTES_*'],
    default: 'docs/operations.md, "Limits"',
    description: 'abuse limits: requests per second and burst per client address, per key and per failed authentication; body sizes',
  },
  {
    names: ['TRUST_PROXY'],
    default: '`false`',
    description: 'take the client address from `X-Forwarded-For` (behind a trusted reverse proxy)',
  },
  {
    names: ['REQUEST_TIMEOUT_MS', 'DB_STATEMENT_TIMEOUT_MS', 'DB_BUSY_TIMEOUT_MS'],
    default: '`8000`, `5000`, `5000`',
    description:
      "the hub's time for one GraphQL request, MariaDB's for one read statement (0: none), SQLite's wait for a write lock (docs/operations.md, \"Limits\")",
  },
  {
    names: ['QUERY_MAX_*_ANONYMOUS', 'QUERY_MAX_*_KEY'],
    default: 'docs/operations.md, "Limits"',
    description: 'query cost limits (whole numbers ≥ 1)',
  },
  { names: ['LOG_LEVEL'], default: '`info`', description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`' },
  { names: ['METRICS_TOKEN'], default: 'unset', description: 'bearer token for `GET /metrics` (AGENCY keys work too)' },
  { names: ['GRAPHQL_FIELD_SUGGESTIONS'], default: 'on unless production', description: '"Did you mean ...?" in validation errors' },
  {
    names: ['GRAPHIQL'],
    default: 'on unless production',
    description: 'GraphiQL at `GET /graphql` for browsers (it shows the demo keys: never expose a development hub)',
  },
  {
    names: ['LEAN_READ_PATH'],
    default: '`true`',
    description: "anonymous queries answered by a compiled path without Apollo's per-request pipeline, same bytes (docs/architecture.md)",
  },
  {
    names: ['SYNDICATION_DELIVERY_INTERVAL_MS'],
    default: '`1000`',
    description: 'how often a hub process sequences the change log and delivers webhooks (≥ 10)',
  },
  {
    names: ['SYNDICATION_WEBHOOK_BATCH', 'SYNDICATION_WEBHOOK_TIMEOUT_MS', 'SYNDICATION_WEBHOOK_MAX_FAILURES'],
    default: '`100`, `10000`, `8`',
    description: 'changes per POST; a slower answer is a failure; failures in a row before a pause',
  },
  {
    names: ['SYNDICATION_WEBHOOK_ALLOW_LOOPBACK'],
    default: '`false`',
    description: 'accept `http://127.0.0.1` / `localhost` webhook URLs (tests, local development only)',
  },
  {
    names: ['SYNDICATION_RETENTION_HOURS', 'SYNDICATION_HORIZON_DAYS', 'SYNDICATION_COMPACT_INTERVAL_MINUTES'],
    default: '`24`, `30`, `60`',
    description: 'change-log compaction (docs/syndication.md)',
  },
  {
    names: ['RETENTION_INTERVAL_MINUTES'],
    default: '`60`',
    description: 'how often the hub applies candidate data\'s storage limits (docs/candidates.md, "Retention")',
  },
  {
    names: ['AUDIENCE_MAX_EVENT_AGE_DAYS'],
    default: '`7`',
    description: 'audience events older than this are rejected (`TOO_OLD`; docs/audience.md)',
  },
  {
    names: ['REPORT_LINK_SECRET', 'REPORT_LINK_TTL_SECONDS'],
    default: 'unset, `900`',
    description: "report links' signing secret (set it when several hub processes serve one site; unset: random per process) and lifetime",
  },
];
