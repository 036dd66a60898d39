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
  nodeEnv: string;
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
  /**
   * Schema introspection (`__schema`, `__type`) for internal tools and client codegen:
   * GRAPHQL_INTROSPECTION, default on unless NODE_ENV=production.
   */
  introspection: boolean;
  /** Browser origins allowed to call /graphql (CORS_ORIGINS; see parseCorsOrigins). */
  cors: CorsPolicy;
}

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

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/**
 * A numeric setting: `fallback` when unset or empty, else a number of at least `min` (a whole
 * number if `integer`), or an error naming the variable and what it expects.
 */
export function numberFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  rule: { min: number; integer?: boolean; unit?: string },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < rule.min || (rule.integer && !Number.isInteger(value))) {
    const kind = `${rule.integer ? 'a whole number' : 'a number'}${rule.unit ? ` of ${rule.unit}` : ''}`;
    throw new Error(`${name} must be ${kind} >= ${rule.min}, got "${raw}"`);
  }
  return value;
}

export const DEFAULT_SQLITE_PATH = path.join(PROJECT_ROOT, 'data', 'passerelle.sqlite');

/**
 * Parses a DATABASE_URL: `mysql://user:pass@host:port/db` (also `mariadb://`), `sqlite:<path>`
 * (relative to the working directory; `sqlite::memory:` for an in-memory database).
 */
export function parseDatabaseUrl(url: string | undefined): DatabaseConfig {
  if (!url) return { type: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (url.startsWith('sqlite:')) {
    const p = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!p) throw new Error('DATABASE_URL sqlite:<path> needs a path');
    return { type: 'sqlite', path: p === ':memory:' ? p : path.resolve(p) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`DATABASE_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new Error(`DATABASE_URL must be mysql://..., mariadb://... or sqlite:<path>, got ${parsed.protocol}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL must name a database: mysql://user@host:3306/passerelle');
  if (!/^[A-Za-z0-9_$]+$/.test(database)) throw new Error(`Unsupported database name: ${database}`);
  // ?socket=/run/mysqld/mysqld.sock: the server's Unix socket instead of TCP (a hub on the
  // database's host: each round trip skips the TCP stack).
  const socketPath = parsed.searchParams.get('socket') || undefined;
  for (const name of parsed.searchParams.keys())
    if (name !== 'socket') throw new Error(`DATABASE_URL: unknown parameter "${name}" (only socket=<path>)`);
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
    const parsed = parseDatabaseUrl(/^(mysql|mariadb):\/\/[^/]*$/.test(url) ? `${url}/${primary.database}` : url);
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

function parseBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`Expected a boolean (true/false), got ${value}`);
}

/** A boolean setting: `fallback` when unset or empty, else true/false (1/0, yes/no, on/off), or an error naming the variable. */
export function boolFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  try {
    return parseBool(env[name], fallback);
  } catch {
    throw new Error(`${name} must be true or false, got "${env[name]}"`);
  }
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
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  return parseLogLevel(env.LOG_LEVEL, env.NODE_ENV || 'development');
}

function parseLogLevel(value: string | undefined, nodeEnv: string): LogLevel {
  if (value === undefined || value === '') return nodeEnv === 'test' ? 'silent' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${value}`);
  return value as LogLevel;
}

/** Reads the configuration from environment variables (documented in the README). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV || 'development';
  return {
    port: parsePort(env.PORT),
    nodeEnv,
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
    seedDemo: parseBool(env.SEED_DEMO, nodeEnv !== 'production'),
    logSql: parseBool(env.LOG_SQL, false),
    limits: {
      publicPerSecond: positiveNumber(env, 'RATE_LIMIT_PUBLIC_PER_SECOND', DEFAULT_LIMITS.publicPerSecond),
      publicBurst: positiveNumber(env, 'RATE_LIMIT_PUBLIC_BURST', DEFAULT_LIMITS.publicBurst),
      keyPerSecond: positiveNumber(env, 'RATE_LIMIT_KEY_PER_SECOND', DEFAULT_LIMITS.keyPerSecond),
      keyBurst: positiveNumber(env, 'RATE_LIMIT_KEY_BURST', DEFAULT_LIMITS.keyBurst),
      publicBodyBytes: positiveNumber(env, 'MAX_BODY_BYTES_PUBLIC', DEFAULT_LIMITS.publicBodyBytes),
      authenticatedBodyBytes: positiveNumber(env, 'MAX_BODY_BYTES_AUTHENTICATED', DEFAULT_LIMITS.authenticatedBodyBytes),
      authFailurePerSecond: positiveNumber(env, 'RATE_LIMIT_AUTH_FAILURE_PER_SECOND', DEFAULT_LIMITS.authFailurePerSecond),
      authFailureBurst: positiveNumber(env, 'RATE_LIMIT_AUTH_FAILURE_BURST', DEFAULT_LIMITS.authFailureBurst),
      trustProxy: parseBool(env.TRUST_PROXY, false),
      requestTimeoutMs: numberFromEnv(env, 'REQUEST_TIMEOUT_MS', DEFAULT_LIMITS.requestTimeoutMs, { min: 0, integer: true, unit: 'ms' }),
    },
    introspection: boolFromEnv(env, 'GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
    cors: parseCorsOrigins(env.CORS_ORIGINS, nodeEnv),
    queryLimits: {
      anonymous: queryLimitsFromEnv(env, 'ANONYMOUS', DEFAULT_QUERY_LIMITS.anonymous),
      authenticated: queryLimitsFromEnv(env, 'KEY', DEFAULT_QUERY_LIMITS.authenticated),
    },
    logLevel: parseLogLevel(env.LOG_LEVEL, nodeEnv),
    fieldSuggestions: parseBool(env.GRAPHQL_FIELD_SUGGESTIONS, nodeEnv !== 'production'),
    metricsToken: env.METRICS_TOKEN ? metricsToken(env.METRICS_TOKEN) : null,
    graphiql: parseBool(env.GRAPHIQL, nodeEnv !== 'production'),
    redis: { url: parseRedisUrl(env.REDIS_URL), prefix: parseRedisPrefix(env.REDIS_PREFIX) },
    responseCache: {
      ttlSeconds: numberFromEnv(env, 'RESPONSE_CACHE_SECONDS', 2, { min: 0, integer: true, unit: 'seconds' }),
      maxEntries: numberFromEnv(env, 'RESPONSE_CACHE_MAX_ENTRIES', 5_000, { min: 1, integer: true }),
      maxBytes: numberFromEnv(env, 'RESPONSE_CACHE_MAX_MB', 64, { min: 1, integer: true, unit: 'MiB' }) * 1024 * 1024,
    },
  };
}
