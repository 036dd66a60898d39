import type { DataSource, EntitySubscriberInterface, InsertEvent, RemoveEvent, UpdateEvent } from 'typeorm';

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

/**
 * Bumps the version on every offer or partner written through TypeORM's entity API (the agency's
 * partner administration, test factories); the raw-SQL write paths call offerStockChanged themselves.
 */
export class OfferStockSubscriber implements EntitySubscriberInterface {
  afterInsert(event: InsertEvent<unknown>): void {
    if (STOCK_TABLES.has(event.metadata.tableName)) offerStockChanged(event.connection);
  }

  afterUpdate(event: UpdateEvent<unknown>): void {
    if (STOCK_TABLES.has(event.metadata.tableName)) offerStockChanged(event.connection);
  }

  afterRemove(event: RemoveEvent<unknown>): void {
    if (STOCK_TABLES.has(event.metadata.tableName)) offerStockChanged(event.connection);
  }
}
