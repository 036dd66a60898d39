import type { DataSource } from 'typeorm';
import { dialectOf } from './data-source';
import { CountingLogger } from './sql-counter';
import type { Sql } from './sql';

type Row = Record<string, unknown>;

/** Runs read-only SQL on the hot path, straight on the driver TypeORM opened. */
export interface SqlExecutor {
  all(statement: Sql): Promise<Row[]>;
}

interface BetterSqliteStatement {
  all(...params: unknown[]): Row[];
}
interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
}
interface MysqlPool {
  execute(sql: string, params: unknown[], callback: (err: Error | null, rows: Row[]) => void): void;
}

const MAX_CACHED_STATEMENTS = 2000;

/**
 * The public read path's executor. It uses the connection (SQLite) or pool (MariaDB) that TypeORM
 * manages, but skips its per-query runner, so the hot path pays for the SQL only: SQLite statements
 * are prepared once and cached; MariaDB gets server-side prepared statements (mysql2 `execute`,
 * cached per connection). Every statement still counts in the data source's statement counter.
 */
export function createSqlExecutor(dataSource: DataSource): SqlExecutor {
  const counter = dataSource.logger instanceof CountingLogger ? dataSource.logger : null;
  if (dialectOf(dataSource) === 'sqlite') {
    const db = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }).databaseConnection;
    const statements = new Map<string, BetterSqliteStatement>();
    return {
      async all(statement) {
        counter?.countStatement(statement.text);
        let prepared = statements.get(statement.text);
        if (!prepared) {
          if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
          prepared = db.prepare(statement.text);
          statements.set(statement.text, prepared);
        }
        return prepared.all(...statement.params);
      },
    };
  }
  const pool = (dataSource.driver as unknown as { pool: MysqlPool }).pool;
  return {
    all(statement) {
      counter?.countStatement(statement.text);
      return new Promise((resolve, reject) => {
        pool.execute(statement.text, statement.params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows)));
      });
    },
  };
}
