import type { DataSource, QueryRunner } from 'typeorm';
import { driverErrorOf, unavailableOr } from './driver-errors';
import { dialectOf } from './dialect';

/** A statement inside a transaction: rows for a SELECT, `affected` for writes. */
export interface TxQuery {
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** MariaDB/MySQL errors worth retrying the whole transaction for: deadlock, lock wait timeout. */
const RETRYABLE_MYSQL_ERRNO = new Set([1213, 1205]);

function isRetryable(err: unknown): boolean {
  const driverError = driverErrorOf(err);
  return RETRYABLE_MYSQL_ERRNO.has(Number(driverError?.errno)) || driverError?.code === 'SQLITE_BUSY';
}

/** SQLite has one connection: write transactions take turns (a per-data-source promise chain). */
const sqliteTurns = new WeakMap<DataSource, Promise<unknown>>();

function txQuery(runner: QueryRunner): TxQuery {
  return {
    async rows(sql, params = []) {
      const result = await runner.query(sql, params as unknown[], true);
      return (result.records ?? []) as never[];
    },
    async run(sql, params = []) {
      const result = await runner.query(sql, params as unknown[], true);
      return Number(result.affected ?? 0);
    },
  };
}

export interface TransactionOptions {
  /** Tries in all on a deadlock or lock-wait timeout (default 4). */
  attempts?: number;
  /**
   * MariaDB only (SQLite transactions are serializable): READ COMMITTED for a transaction that must
   * read what others committed after it began and take no gap locks (the search indexer).
   */
  isolation?: 'READ COMMITTED';
  /**
   * Other errors after which the whole transaction is run again (within `attempts`): a conflict
   * `work` detects itself, such as a row another transaction inserted after `work` looked for it.
   */
  retryOn?: (err: unknown) => boolean;
}

/**
 * Runs `work` in one transaction: committed if it resolves, rolled back if it throws. On a
 * deadlock or lock-wait timeout the whole transaction is retried (up to `attempts` times, with
 * a short jittered backoff), so `work` must be safe to run again from the start.
 */
export async function withTransaction<T>(
  dataSource: DataSource,
  work: (tx: TxQuery) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const isolation = dialectOf(dataSource) === 'mysql' ? opts.isolation : undefined;
  const attempt = async (): Promise<T> => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction(isolation);
      try {
        const result = await work(txQuery(runner));
        await runner.commitTransaction();
        return result;
      } catch (err) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    } finally {
      await runner.release();
    }
  };
  const withRetries = async (): Promise<T> => {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        // Out of attempts on a lock or deadlock, or a lost connection: the client may retry (503).
        if (i >= attempts || !(isRetryable(err) || opts.retryOn?.(err))) throw unavailableOr(err);
        await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 30));
      }
    }
  };
  if (dialectOf(dataSource) !== 'sqlite') return withRetries();
  const previous = sqliteTurns.get(dataSource) ?? Promise.resolve();
  const mine = previous.then(withRetries, withRetries);
  sqliteTurns.set(
    dataSource,
    mine.catch(() => undefined),
  );
  return mine;
}

/**
 * One write statement committed on its own: a single statement is atomic under autocommit, so
 * MariaDB is spared the BEGIN and COMMIT round trips of withTransaction. On SQLite it still takes
 * its turn through withTransaction (the one shared connection may be inside another transaction).
 */
export async function writeStatement(dataSource: DataSource, sql: string, params: readonly unknown[] = []): Promise<void> {
  if (dialectOf(dataSource) === 'sqlite') {
    await withTransaction(dataSource, (tx) => tx.run(sql, params));
    return;
  }
  try {
    await dataSource.query(sql, params as unknown[]);
  } catch (err) {
    throw unavailableOr(err);
  }
}
