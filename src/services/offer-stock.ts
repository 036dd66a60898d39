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
 * made through this process is visible in the very next count. Writes made by another process are
 * seen when the cache entry's time-to-live runs out (CountCache).
 */
const versions = new WeakMap<DataSource, number>();

export function offerStockVersion(dataSource: DataSource): number {
  return versions.get(dataSource) ?? 0;
}

export function offerStockChanged(dataSource: DataSource): void {
  versions.set(dataSource, offerStockVersion(dataSource) + 1);
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
    offerStockChanged(event.connection);
    if (event.queryRunner?.isTransactionActive) event.queryRunner.data[STOCK_WRITTEN] = true;
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
    offerStockChanged(event.connection);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner.data) delete event.queryRunner.data[STOCK_WRITTEN];
  }
}
