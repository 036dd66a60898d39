import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig, DatabaseTimeouts } from '../../src/config';
import { dropMysqlDatabase, openDatabase } from '../../src/db/data-source';
import { startHub, type HubOptions, type RunningHub } from '../../src/server';
import { offerStockSettled } from '../../src/db/offer-stock';
import { sqlCounter } from '../../src/db/dialect';

export type Engine = 'sqlite' | 'mysql';

function mysqlBase(): Omit<Extract<DatabaseConfig, { type: 'mysql' }>, 'database'> {
  const url = new URL(process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/');
  return {
    type: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password || ''),
  };
}

/** MariaDB test databases are named `<prefix><suite>_<pid>_<random>`; TEST_DATABASE_PREFIX sets the prefix. */
export const DEFAULT_TEST_DATABASE_PREFIX = 'passerelle_test_';
/** Letters, digits, `_` and `$` (a bare MariaDB identifier), leaving room for the rest of the name. */
const DATABASE_PREFIX = /^[A-Za-z0-9_$]{1,32}$/;

/**
 * The prefix of the suite's MariaDB database names (TEST_DATABASE_PREFIX, default
 * `passerelle_test_`): lets the suite run beside other users of a shared server. Also checked by
 * the global setup, so a bad value fails the run before any suite starts.
 */
export function testDatabasePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.TEST_DATABASE_PREFIX;
  if (prefix === undefined || prefix === '') return DEFAULT_TEST_DATABASE_PREFIX;
  if (!DATABASE_PREFIX.test(prefix)) {
    throw new Error(`TEST_DATABASE_PREFIX must be 1 to 32 letters, digits, _ or $ (a MariaDB database name prefix), got "${prefix}"`);
  }
  return prefix;
}

/** A brand-new database for one suite: an SQLite file in a temp folder, or a fresh MariaDB database. */
export function freshDatabaseConfig(engine: Engine, label: string): DatabaseConfig {
  const safeLabel = label.replace(/[^a-z0-9]+/gi, '_');
  const tail = `_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-test-'));
    return { type: 'sqlite', path: path.join(dir, `${safeLabel.slice(0, 24)}${tail}.sqlite`) };
  }
  const prefix = testDatabasePrefix();
  // The label is cut, never the prefix nor the random tail: names stay unique and under 64 characters.
  return { ...mysqlBase(), database: `${prefix}${safeLabel.slice(0, Math.min(24, 64 - prefix.length - tail.length))}${tail}` };
}

/** Removes what freshDatabaseConfig made. */
export async function dropDatabase(db: DatabaseConfig): Promise<void> {
  if (db.type === 'mysql') await dropMysqlDatabase(db);
  else if (db.path !== ':memory:') fs.rmSync(path.dirname(db.path), { recursive: true, force: true });
}

/** The engines to run on: MariaDB is left out (loudly, by the global setup) when unreachable. */
export function engines(): Engine[] {
  return process.env.PASSERELLE_TEST_MYSQL === 'missing' ? ['sqlite'] : ['sqlite', 'mysql'];
}

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }>;
}

export interface TestHub {
  engine: Engine;
  /** The suite's database (to open it again, as another process would). */
  config: DatabaseConfig;
  url: string;
  dataSource: DataSource;
  hub: RunningHub;
  /** Sends a GraphQL request over HTTP, as a client would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The same with `Authorization: Bearer <key>`. */
  as(key: string): <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse<T>>;
  /** SQL statements sent so far (to measure one request: take the difference, after settle()). */
  sqlCount(): number;
  /** Waits for the statements earlier writes left running in the background (the shared stock version's bumps). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Rate limits out of the way, unless a test sets its own; and a request timeout far above the
 * default, so that a suite's big batches never depend on how loaded the machine is (the stall tests
 * set their own).
 */
const UNLIMITED = {
  publicPerSecond: 1e6,
  publicBurst: 1e6,
  keyPerSecond: 1e6,
  keyBurst: 1e6,
  authFailurePerSecond: 1e6,
  authFailureBurst: 1e6,
  requestTimeoutMs: 120_000,
};

/** Opens a fresh database (migrated) and serves the real HTTP hub on an ephemeral port. */
export type TestHubOptions = Partial<HubOptions> & { databaseTimeouts?: Partial<DatabaseTimeouts> };

export async function startTestHub(engine: Engine, label: string, options: TestHubOptions = {}): Promise<TestHub> {
  return startTestHubOn(freshDatabaseConfig(engine, label), options);
}

/** The same on a given database configuration (a replicated MariaDB, say), dropped by close(). */
export async function startTestHubOn(config: DatabaseConfig, options: TestHubOptions = {}): Promise<TestHub> {
  const engine: Engine = config.type === 'sqlite' ? 'sqlite' : 'mysql';
  const dataSource = await openDatabase(config, { timeouts: options.databaseTimeouts });
  // The response cache is off unless a test turns it on: suites write with raw SQL (which bumps no
  // stock version) and read at once; test/integration/response-cache.int.spec.ts tests the cache.
  const hub = await startHub(dataSource, {
    port: 0,
    host: '127.0.0.1',
    ...options,
    limits: { ...UNLIMITED, ...options.limits },
    responseCache: { ttlSeconds: 0, ...options.responseCache },
    // Counts follow every write at once: whether they coalesce writes (OFFER_COUNT_WRITE_COALESCE_MS)
    // depends on how long recounts take, so on the machine's load; shared-stock-version.int.spec.ts
    // tests the coalescing with its own clock.
    serviceSettings: { countWriteCoalesceMs: 0, ...options.serviceSettings },
  });
  const url = `http://127.0.0.1:${hub.port}/graphql`;
  const testHub: TestHub = {
    engine,
    config,
    url,
    dataSource,
    hub,
    async gql(query, variables, headers) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return { status: res.status, headers: res.headers, data: body.data ?? undefined, errors: body.errors };
    },
    as(key) {
      return (query, variables) => testHub.gql(query, variables, { authorization: `Bearer ${key}` });
    },
    sqlCount: () => sqlCounter(dataSource).count,
    settle: () => offerStockSettled(dataSource),
    async close() {
      await hub.close();
      await dataSource.destroy();
      await dropDatabase(config);
    },
  };
  return testHub;
}

/** Fails with the errors' text when a response has errors: makes a failing test say why. */
export function expectNoErrors(response: GraphQLResponse): void {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors, null, 2)}`);
}
