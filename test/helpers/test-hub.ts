import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/config';
import { dropMysqlDatabase, openDatabase, sqlCounter } from '../../src/db/data-source';
import { startHub, type HubOptions, type RunningHub } from '../../src/server';

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

/** A brand-new database for one suite: an SQLite file in a temp folder, or a fresh MariaDB database. */
export function freshDatabaseConfig(engine: Engine, label: string): DatabaseConfig {
  const suffix = `${label.replace(/[^a-z0-9]+/gi, '_').slice(0, 24)}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-test-'));
    return { type: 'sqlite', path: path.join(dir, `${suffix}.sqlite`) };
  }
  return { ...mysqlBase(), database: `passerelle_test_${suffix}`.slice(0, 64) };
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
  url: string;
  dataSource: DataSource;
  hub: RunningHub;
  /** Sends a GraphQL request over HTTP, as a client would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The same with `Authorization: Bearer <key>`. */
  as(key: string): <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse<T>>;
  /** SQL statements sent so far (to measure one request: take the difference). */
  sqlCount(): number;
  close(): Promise<void>;
}

/** Rate limits out of the way, unless a test sets its own. */
const UNLIMITED = {
  publicPerSecond: 1e6,
  publicBurst: 1e6,
  keyPerSecond: 1e6,
  keyBurst: 1e6,
  authFailurePerSecond: 1e6,
  authFailureBurst: 1e6,
};

/** Opens a fresh database (migrated) and serves the real HTTP hub on an ephemeral port. */
export async function startTestHub(engine: Engine, label: string, options: Partial<HubOptions> = {}): Promise<TestHub> {
  const config = freshDatabaseConfig(engine, label);
  const dataSource = await openDatabase(config);
  const hub = await startHub(dataSource, { port: 0, host: '127.0.0.1', ...options, limits: { ...UNLIMITED, ...options.limits } });
  const url = `http://127.0.0.1:${hub.port}/graphql`;
  const testHub: TestHub = {
    engine,
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
