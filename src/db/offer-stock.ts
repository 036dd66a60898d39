import { DEFAULT_SERVICE_SETTINGS } from '../config';
import { sql } from './sql';
import { createSqlExecutor } from './sql-executor';
import {
  EventSubscriber,
  type DataSource,
  type EntitySubscriberInterface,
  type InsertEvent,
  type RemoveEvent,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type UpdateEvent,
} from 'typeorm';

/**
 * The version of the public offer stock as this process knows it, per data source: bumped after
 * every write that can change what public search counts (offers created, changed, withdrawn or
 * expired; a partner created, suspended or reactivated). Cached counts are keyed by it, so a write
 * made through this process is visible in the very next count.
 */
const versions = new WeakMap<DataSource, number>();

export function offerStockVersion(dataSource: DataSource): number {
  return versions.get(dataSource) ?? 0;
}

interface SharedVersion {
  /** data_version.version as last read. */
  value: number;
  /** When the last read started (Date.now()). */
  readAt: number;
  reading: Promise<void> | null;
  pollMs: number;
}

/**
 * The cross-process part: the one-row table data_version, bumped by every process after each write
 * to the offer stock commits (the hub, the import CLI, the seed, all through offerStockChanged),
 * and read by each process at most once every STOCK_VERSION_POLL_MS. One indexed row: a read costs
 * a point lookup a second, a bump a one-row update outside the writing transaction (so concurrent
 * writers never queue on it).
 */
const sharedVersions = new WeakMap<DataSource, SharedVersion>();

function sharedOf(dataSource: DataSource): SharedVersion {
  let shared = sharedVersions.get(dataSource);
  if (!shared)
    sharedVersions.set(
      dataSource,
      (shared = { value: 0, readAt: -Infinity, reading: null, pollMs: DEFAULT_SERVICE_SETTINGS.stockVersionPollMs }),
    );
  return shared;
}

/** STOCK_VERSION_POLL_MS: how often this process reads the shared version at most (0: before every count). */
export function setStockVersionPollMs(dataSource: DataSource, pollMs: number): void {
  sharedOf(dataSource).pollMs = pollMs;
}

/**
 * Records a write to the offer stock: this process's version at once, and the shared version in
 * the database (the returned promise; awaited by the write paths, so that a CLI exits only once
 * other processes can see its writes). A failed bump is logged, never thrown: other processes then
 * see the write when their cached counts expire (OFFER_COUNT_CACHE_SECONDS).
 */
export function offerStockChanged(dataSource: DataSource): Promise<void> {
  versions.set(dataSource, offerStockVersion(dataSource) + 1);
  if (!dataSource.isInitialized) return Promise.resolve();
  const bump = dataSource.query('UPDATE data_version SET version = version + 1 WHERE id = 1').then(
    () => undefined,
    (err: unknown) => {
      if (dataSource.isInitialized)
        console.error('Could not bump the shared stock version (data_version):', err instanceof Error ? err.message : err);
    },
  );
  let pending = pendingBumps.get(dataSource);
  if (!pending) pendingBumps.set(dataSource, (pending = new Set()));
  pending.add(bump);
  void bump.finally(() => pending.delete(bump));
  return bump;
}

/** Bumps of the shared version still in flight, per data source (the entity subscriber does not await its own). */
const pendingBumps = new WeakMap<DataSource, Set<Promise<void>>>();

/** Resolves once every bump of the shared version started so far has ended (tests that count SQL statements). */
export async function offerStockSettled(dataSource: DataSource): Promise<void> {
  while (pendingBumps.get(dataSource)?.size) await Promise.all([...pendingBumps.get(dataSource)!]);
}

/**
 * The stock version counts are keyed by: this process's writes at once, every process's within
 * STOCK_VERSION_POLL_MS (plus one read). Both parts only grow, so their sum changes whenever
 * either does. Concurrent callers share one read; a failed read keeps the last value.
 */
export async function currentStockVersion(dataSource: DataSource): Promise<number> {
  const shared = sharedOf(dataSource);
  if (!shared.reading && Date.now() - shared.readAt >= shared.pollMs) {
    shared.readAt = Date.now();
    shared.reading = readSharedVersion(dataSource)
      .then((value) => {
        if (value !== null) shared.value = value;
      })
      .catch((err: unknown) =>
        console.error('Could not read the shared stock version (data_version):', err instanceof Error ? err.message : err),
      )
      .finally(() => {
        shared.reading = null;
      });
  }
  // A read in flight (started by this caller or another) is waited for: it may be the one that
  // brings another process's write.
  if (shared.reading) await shared.reading;
  return offerStockVersion(dataSource) + shared.value;
}

async function readSharedVersion(dataSource: DataSource): Promise<number | null> {
  const [row] = await createSqlExecutor(dataSource).all(sql`SELECT version FROM data_version WHERE id = 1`);
  return row ? Number(row.version) : null;
}

const STOCK_TABLES = new Set(['offer', 'partner']);

/** Marks a query runner whose open transaction wrote offers or partners (bumped again at its commit). */
const STOCK_WRITTEN = 'passerelleOfferStockWritten';

type WriteEvent = InsertEvent<unknown> | UpdateEvent<unknown> | RemoveEvent<unknown>;

/**
 * Bumps the version on every offer or partner written through TypeORM's entity API (the agency's
 * partner administration, test factories); the raw-SQL write paths call offerStockChanged themselves.
 * Entity events fire inside the saving transaction, before its commit: the version is bumped then,
 * and again once the transaction commits, so that no count computed in between (still seeing the
 * old rows) outlives the commit.
 * (@EventSubscriber is what makes TypeORM load a class listed in the `subscribers` option: without
 * it the class is silently ignored.)
 */
@EventSubscriber()
export class OfferStockSubscriber implements EntitySubscriberInterface {
  private written(event: WriteEvent): void {
    if (!STOCK_TABLES.has(event.metadata.tableName)) return;
    if (event.queryRunner?.isTransactionActive) {
      // Inside the saving transaction: this process's version now; the shared one at the commit.
      versions.set(event.connection, offerStockVersion(event.connection) + 1);
      event.queryRunner.data[STOCK_WRITTEN] = true;
    } else {
      void offerStockChanged(event.connection);
    }
  }

  afterInsert(event: InsertEvent<unknown>): void {
    this.written(event);
  }

  afterUpdate(event: UpdateEvent<unknown>): void {
    this.written(event);
  }

  afterRemove(event: RemoveEvent<unknown>): void {
    this.written(event);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.data?.[STOCK_WRITTEN]) return;
    delete event.queryRunner.data[STOCK_WRITTEN];
    void offerStockChanged(event.connection);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner.data) delete event.queryRunner.data[STOCK_WRITTEN];
  }
}
