import type { DataSource } from 'typeorm';
import { unavailableOr } from './driver-errors';
import { replicaReadAllowed } from './read-routing';
import { CountingLogger } from './sql-counter';
import type { Sql } from './sql';
import { dialectOf, readStatementTimeoutMs } from './dialect';

type Row = Record<string, unknown>;

/**
 * Runs read-only SQL on the hot path, straight on the driver TypeORM opened. `all<T>` types the
 * rows as the caller reads them (unchecked: the statement's column list is the contract).
 */
export interface SqlExecutor {
  all<T extends object = Row>(statement: Sql): Promise<T[]>;
}

interface BetterSqliteStatement {
  all(...params: unknown[]): Row[];
}
interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
  close(): void;
}
interface MysqlPool {
  execute(sql: string, params: unknown[], callback: (err: Error | null, rows: Row[]) => void): void;
}
interface MysqlPoolCluster {
  of(pattern: string, selector?: string): MysqlPool;
}

/** Errors that say a server could not be reached or went away, not that the statement was wrong. */
const UNREACHABLE = new Set([
  'POOL_NONEONLINE',
  'POOL_NOEXIST',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
]);

/** Runs a statement on a pool; a driver error is passed as it is (see unavailableOr). */
function execute(pool: MysqlPool, text: string, params: readonly unknown[]): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    pool.execute(text, params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows)));
  });
}

/**
 * With read replicas (TypeORM replication: mysql2's pool cluster, nodes MASTER and SLAVE<n>): a
 * read goes to a replica, round robin, when the request's scope allows it (read-routing.ts), else
 * to the primary. A replica that cannot be reached costs that read a retry on the primary, and the
 * pool cluster leaves it out for DATABASE_REPLICA_RETRY_MS before trying it again.
 */
function replicatedExecutor(cluster: MysqlPoolCluster, counter: CountingLogger | null, withTimeout: (text: string) => string): SqlExecutor {
  const primary = cluster.of('MASTER');
  const replicas = cluster.of('SLAVE*', 'RR');
  return {
    async all<T extends object = Row>(statement: Sql): Promise<T[]> {
      counter?.countStatement(statement.text);
      const text = withTimeout(statement.text);
      try {
        if (!replicaReadAllowed()) return (await execute(primary, text, statement.params)) as T[];
        try {
          return (await execute(replicas, text, statement.params)) as T[];
        } catch (err) {
          if (!UNREACHABLE.has(String((err as { code?: unknown }).code))) throw err;
          return (await execute(primary, text, statement.params)) as T[];
        }
      } catch (err) {
        throw unavailableOr(err);
      }
    },
  };
}

const MAX_CACHED_STATEMENTS = 2000;

/** The read path's own SQLite connection, one per data source (see sqliteReadConnection). */
const sqliteReaders = new WeakMap<DataSource, BetterSqliteDatabase>();

/**
 * SQLite: a second, read-only connection to the same file for the read path. TypeORM has one
 * connection, and a write transaction on it spans several awaited statements (an upsert call, an
 * import batch): a read sent on that connection in between, by another request, would see the
 * transaction's uncommitted rows, and keep showing them if it then rolled back. Reads on a
 * connection of their own see only committed data (WAL mode: they never wait for the writer, nor
 * the writer for them). An in-memory database cannot be shared
 * between connections: there the read path keeps TypeORM's connection. It is closed with the data
 * source (HubDataSource.destroy, closeSqliteReader).
 */
function sqliteReadConnection(dataSource: DataSource): BetterSqliteDatabase {
  const shared = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }).databaseConnection;
  const file = String(dataSource.options.database);
  if (file === ':memory:') return shared;
  let reader = sqliteReaders.get(dataSource);
  if (!reader) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as new (file: string, opts: object) => BetterSqliteDatabase;
    const busyTimeoutMs = Number((dataSource.options as { timeout?: number }).timeout ?? 5_000);
    const connection = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    sqliteReaders.set(dataSource, connection);
    reader = connection;
  }
  return reader;
}

/** Closes the read path's own SQLite connection of this data source, if it opened one (HubDataSource.destroy). */
export function closeSqliteReader(dataSource: DataSource): void {
  const reader = sqliteReaders.get(dataSource);
  if (!reader) return;
  sqliteReaders.delete(dataSource);
  reader.close();
}

/**
 * `SET STATEMENT max_statement_time=<s> FOR `: MariaDB interrupts the statement after that long,
 * waiting for a lock included (LOCK TABLES, a long write), and frees the connection (error 1969).
 * Prepared like the rest of the text. Empty when there is no limit, or on MySQL (whose
 * max_execution_time hint covers SELECTs but not their lock waits).
 */
function statementTimeoutPrefix(dataSource: DataSource): string {
  const ms = readStatementTimeoutMs(dataSource);
  const mariadb = dataSource.options.type === 'mariadb';
  return ms > 0 && mariadb ? `SET STATEMENT max_statement_time=${(ms / 1000).toFixed(3)} FOR ` : '';
}

/**
 * The read path's executor, on the connection (SQLite: its own, read-only) or pool (MariaDB) of the
 * data source TypeORM opened, skipping TypeORM's per-query runner, so the hot path pays for the SQL
 * only: SQLite statements are prepared once and cached; MariaDB gets server-side prepared statements
 * (mysql2 `execute`, cached per connection). Reads only committed data on both engines. Every
 * statement still counts in the data source's statement counter. On MariaDB each statement runs
 * under DB_STATEMENT_TIMEOUT_MS (statementTimeoutPrefix). A database that does not answer in time
 * is a ServiceUnavailableError (retriable SERVICE_UNAVAILABLE), on both engines.
 */
export function createSqlExecutor(dataSource: DataSource): SqlExecutor {
  const counter = dataSource.logger instanceof CountingLogger ? dataSource.logger : null;
  if (dialectOf(dataSource) === 'sqlite') {
    const db = sqliteReadConnection(dataSource);
    const statements = new Map<string, BetterSqliteStatement>();
    return {
      async all<T extends object = Row>(statement: Sql): Promise<T[]> {
        counter?.countStatement(statement.text);
        let prepared = statements.get(statement.text);
        try {
          if (!prepared) {
            if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
            prepared = db.prepare(statement.text);
            statements.set(statement.text, prepared);
          }
          return prepared.all(...statement.params) as T[];
        } catch (err) {
          throw unavailableOr(err);
        }
      },
    };
  }
  const prefix = statementTimeoutPrefix(dataSource);
  const withTimeout = (text: string) => (prefix && /^\s*(SELECT|WITH)\b/i.test(text) ? prefix + text : text);
  const driver = dataSource.driver as unknown as { pool?: MysqlPool; poolCluster?: MysqlPoolCluster };
  if (driver.poolCluster) return replicatedExecutor(driver.poolCluster, counter, withTimeout);
  const pool = driver.pool!;
  return {
    all<T extends object = Row>(statement: Sql): Promise<T[]> {
      counter?.countStatement(statement.text);
      return execute(pool, withTimeout(statement.text), statement.params).then(
        (rows) => rows as T[],
        (err) => Promise.reject(unavailableOr(err)),
      );
    },
  };
}

/**
 * A read on TypeORM's own connection, outside any transaction: the primary on MariaDB (whatever
 * the request's read scope), the one shared connection on SQLite. For the CLI, the seed and the
 * few reads that must not go through the read path's executor (its replicas, its read-only SQLite
 * connection); request-path reads use createSqlExecutor.
 */
export async function queryPrimary<T extends object = Row>(dataSource: DataSource, statement: Sql): Promise<T[]> {
  return (await dataSource.query(statement.text, [...statement.params])) as T[];
}
