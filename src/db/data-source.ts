import { restoreSuspendedTriggers } from './suspended-triggers';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from '../../entities';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseConfig, type DatabaseTimeouts, type MysqlEndpoint } from '../config';
import { OfferStockSubscriber } from './offer-stock';
import { MIGRATIONS } from './migrations';
import { closeSqliteReader } from './sql-executor';
import { CountingLogger } from './sql-counter';
import { setReadStatementTimeoutMs, type MysqlFlavour } from './dialect';

/** Entity-event listeners: the offer stock's version (cached public counts). */
const SUBSCRIBERS = [OfferStockSubscriber];

/** TypeORM options for either engine. Migrations are the only way the schema changes. */
export function dataSourceOptions(
  db: DatabaseConfig,
  opts: { logSql?: boolean; flavour?: MysqlFlavour; busyTimeoutMs?: number } = {},
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    subscribers: SUBSCRIBERS,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logger: new CountingLogger(!!opts.logSql),
    maxQueryExecutionTime: 2000,
  } as const;
  if (db.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      enableWAL: db.path !== ':memory:',
      // better-sqlite3 waits for a lock synchronously: the whole process stalls for up to this long.
      timeout: opts.busyTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.busyTimeoutMs,
      prepareDatabase: (conn: { pragma(s: string): unknown }) => {
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
      },
    };
  }
  const replication = db.replication
    ? {
        // TypeORM hands these to mysql2's pool cluster. restoreNodeTimeout: mysql2's default (0)
        // removes a node that failed a few times for good (later reads: POOL_NOEXIST even once it
        // is back); here it is left out for retryMs, then tried again.
        replication: {
          master: endpointOptions(db, db),
          slaves: db.replication.replicas.map((replica) => endpointOptions(db, replica)),
          canRetry: true,
          removeNodeErrorCount: 3,
          restoreNodeTimeout: db.replication.retryMs,
          selector: 'RR' as const,
          // TypeORM's own reads (repositories) go to the primary: only the request path's
          // hand-written reads go to replicas (src/db/sql-executor.ts, src/db/read-routing.ts).
          defaultMode: 'master' as const,
        },
      }
    : {};
  return {
    ...common,
    ...replication,
    type: opts.flavour ?? 'mysql',
    host: db.host,
    port: db.port,
    ...(db.socketPath ? { socketPath: db.socketPath } : {}),
    username: db.user,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    // trace: false: mysql2 otherwise captures a stack trace at every call (measured up to 8 % of a
    // public page's cost); a failed statement is still logged with its SQL by the CountingLogger.
    // maxPreparedStatements: the hot path's statements are prepared per connection and their text
    // varies with the filters and fields asked for; 10 connections x 1,000 stay under the server's
    // max_prepared_stmt_count (16,382 by default) whatever clients send (least recently used closed).
    extra: { connectionLimit: 10, maxIdle: 10, enableKeepAlive: true, trace: false, maxPreparedStatements: 1000 },
  };
}

/** TypeORM's credentials for one server of a replicated setup. */
function endpointOptions(db: Extract<DatabaseConfig, { type: 'mysql' }>, endpoint: MysqlEndpoint) {
  return {
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    password: endpoint.password,
    database: db.database,
    ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : {}),
  };
}

/** Whether the data source sends reads to replicas (DATABASE_REPLICA_URLS). */
export function hasReplicas(dataSource: DataSource): boolean {
  return 'replication' in dataSource.options && !!dataSource.options.replication;
}

/**
 * Creates the MySQL/MariaDB database if it does not exist (utf8mb4, accent-insensitive collation)
 * and tells which server it is.
 */
export async function ensureMysqlDatabase(db: Extract<DatabaseConfig, { type: 'mysql' }>): Promise<MysqlFlavour> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${db.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return /mariadb/i.test(String((rows as Array<{ v: string }>)[0]?.v)) ? 'mariadb' : 'mysql';
  } finally {
    await conn.end();
  }
}

/** Drops a MySQL/MariaDB database (tests and benchmarks only). */
export async function dropMysqlDatabase(db: Extract<DatabaseConfig, { type: 'mysql' }>): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
  } finally {
    await conn.end();
  }
}

/**
 * The hub's data source: TypeORM's, whose destroy() also closes the read path's own SQLite
 * connection (src/db/sql-executor.ts), so every way of closing the database closes both.
 */
export class HubDataSource extends DataSource {
  override async destroy(): Promise<void> {
    closeSqliteReader(this);
    return super.destroy();
  }
}

/**
 * Opens the database named by the configuration: creates the MySQL database or the SQLite file's
 * folder when missing, connects, and runs pending migrations.
 */
export async function openDatabase(
  db: DatabaseConfig,
  opts: { logSql?: boolean; timeouts?: Partial<DatabaseTimeouts> } = {},
): Promise<DataSource> {
  let flavour: MysqlFlavour | undefined;
  if (db.type === 'mysql') flavour = await ensureMysqlDatabase(db);
  else if (db.path !== ':memory:') fs.mkdirSync(path.dirname(db.path), { recursive: true });
  const timeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...opts.timeouts };
  const dataSource = new HubDataSource(dataSourceOptions(db, { logSql: opts.logSql, flavour, busyTimeoutMs: timeouts.busyTimeoutMs }));
  setReadStatementTimeoutMs(dataSource, timeouts.statementTimeoutMs);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    // Triggers a bulk load dropped and could not put back (killed half-way): back before any write.
    await restoreSuspendedTriggers(dataSource);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}
