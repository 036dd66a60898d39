import path from 'node:path';
import { PROJECT_ROOT } from './paths';

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; host: string; port: number; user: string; password: string; database: string; socketPath?: string };

export interface AppConfig {
  port: number;
  nodeEnv: string;
  database: DatabaseConfig;
  /** Seed the demo data at start-up (default: on unless NODE_ENV=production). */
  seedDemo: boolean;
  /** Log every SQL statement (TypeORM logging), for debugging. */
  logSql: boolean;
  limits: HttpLimits;
  /** Query cost limits per caller class (README, "Limits"). */
  queryLimits: QueryLimitsConfig;
  /** Structured logs (pino): level, or 'silent'. */
  logLevel: LogLevel;
  /** Field suggestions ("Did you mean ...?") in validation errors: off in production. */
  fieldSuggestions: boolean;
  /** Bearer token for GET /metrics (an AGENCY key is accepted too); null: AGENCY keys only. */
  metricsToken: string | null;
  /** GraphiQL at GET /graphql for browsers (default: on unless NODE_ENV=production). */
  graphiql: boolean;
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

/** Abuse limits of the HTTP endpoint (README, "Limits"). */
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
}

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
    database: parseDatabaseUrl(env.DATABASE_URL),
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
    },
    queryLimits: {
      anonymous: queryLimitsFromEnv(env, 'ANONYMOUS', DEFAULT_QUERY_LIMITS.anonymous),
      authenticated: queryLimitsFromEnv(env, 'KEY', DEFAULT_QUERY_LIMITS.authenticated),
    },
    logLevel: parseLogLevel(env.LOG_LEVEL, nodeEnv),
    fieldSuggestions: parseBool(env.GRAPHQL_FIELD_SUGGESTIONS, nodeEnv !== 'production'),
    metricsToken: env.METRICS_TOKEN ? metricsToken(env.METRICS_TOKEN) : null,
    graphiql: parseBool(env.GRAPHIQL, nodeEnv !== 'production'),
  };
}
