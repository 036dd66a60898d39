import type { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_TIMEOUTS } from '../config';
import type { CountingLogger } from './sql-counter';

/** What the db layer needs to know of an open data source, apart from how it was opened (data-source.ts). */

export type Dialect = 'sqlite' | 'mysql';

/** MySQL and MariaDB differ in what their catalogue reports; TypeORM has a driver type for each. */

export type MysqlFlavour = 'mysql' | 'mariadb';

export function dialectOf(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
}

/** The statement counter of a data source built by createDataSource. */
export function sqlCounter(dataSource: DataSource): CountingLogger {
  return dataSource.logger as CountingLogger;
}

/** The read path's statement time limit of each data source opened by openDatabase (see readStatementTimeoutMs). */
const statementTimeouts = new WeakMap<DataSource, number>();

/**
 * The time limit, in ms, of the read path's statements on this data source (MariaDB's
 * max_statement_time; 0: none): DB_STATEMENT_TIMEOUT_MS, as given to openDatabase.
 */
export function readStatementTimeoutMs(dataSource: DataSource): number {
  return statementTimeouts.get(dataSource) ?? DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs;
}

/** Records the read path's statement time limit of a data source (openDatabase). */
export function setReadStatementTimeoutMs(dataSource: DataSource, ms: number): void {
  statementTimeouts.set(dataSource, ms);
}
