import type { DataSource, QueryRunner } from 'typeorm';
import { driverErrorOf, unavailableOr } from './driver-errors';
import { dialectOf } from './dialect';
import type { Sql } from './sql';

/** A statement inside a transaction: rows for a SELECT (typed as the caller reads them), `affected` for writes. */
export interface TxQuery {
  rows<T extends object = Record<string, unknown>>(statement: Sql): Promise<T[]>;
  run(statement: Sql): Promise<number>;
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
    async rows<T extends object>(statement: Sql) {
      const result = await runner.query(statement.text, [...statement.params], true);
      return (result.records ?? []) as T[];
    },
    async run(statement) {
      const result = await runner.query(statement.text, [...statement.params], true);
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
export async function writeStatement(dataSource: DataSource, statement: Sql): Promise<void> {
  if (dialectOf(dataSource) === 'sqlite') {
    await withTransaction(dataSource, (tx) => tx.run(statement));
    return;
  }
  try {
    await dataSource.query(statement.text, [...statement.params]);
  } catch (err) {
    throw unavailableOr(err);
  }
}

/**
 * One statement sent as it is on TypeORM's connection (autocommit on MariaDB), taking no turn on
 * SQLite, where it joins whatever transaction the shared connection is in: for the seed, the CLI
 * and the idempotent writes (INSERT IGNORE, a monotonic UPDATE) that were written this way.
 * New code wants writeStatement.
 */
export async function autocommitStatement(dataSource: DataSource, statement: Sql): Promise<void> {
  await dataSource.query(statement.text, [...statement.params]);
}
