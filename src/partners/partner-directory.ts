import type { DataSource } from 'typeorm';
import { PartnerEntity, type PartnerStatus } from '../../entities';
import { currentStockVersion } from '../db/offer-stock';
import { fromDbDateTime, sql } from '../db/sql';
import { createSqlExecutor } from '../db/sql-executor';

/** Every partner as of one stock version. */
export interface PartnerSnapshot {
  /** The stock version (offer-stock.ts) read before the partners were. */
  version: number;
  byId: ReadonlyMap<number, PartnerEntity>;
  /** Ids of the SUSPENDED partners, ascending: their offers are not public. */
  suspendedIds: readonly number[];
}

/**
 * The partners, held in this process and read again whenever the offer-stock version moves
 * (offer-stock.ts): at once after a write made through this process (a partner suspended,
 * reactivated, created or edited bumps it), within STOCK_VERSION_POLL_MS after one made by another
 * process, as the response cache and the counts. The public read path takes the suspended
 * partners and each page's partners from here instead of asking the database on every request
 * (the `NOT IN (SELECT ... partner ...)` of the visibility predicate was a third of MariaDB's time
 * on a page). A few hundred partners at most: the whole table is read, one statement per version
 * change, shared by the requests that wait for it.
 */
export class PartnerDirectory {
  private snapshot: PartnerSnapshot | null = null;
  private loading: { version: number; promise: Promise<PartnerSnapshot> } | null = null;
  private readonly executor;

  constructor(private readonly dataSource: DataSource) {
    this.executor = createSqlExecutor(dataSource);
  }

  /** The partners as of the current stock version (read again when it moved). */
  async current(): Promise<PartnerSnapshot> {
    const version = await currentStockVersion(this.dataSource);
    if (this.snapshot?.version === version) return this.snapshot;
    if (this.loading?.version === version) return this.loading.promise;
    const promise = this.load(version);
    this.loading = { version, promise };
    try {
      const loaded = await promise;
      // A newer version's load may have finished first: keep the newest.
      if (!this.snapshot || this.snapshot.version <= loaded.version) this.snapshot = loaded;
      return loaded;
    } finally {
      if (this.loading?.promise === promise) this.loading = null;
    }
  }

  private async load(version: number): Promise<PartnerSnapshot> {
    const rows = await this.executor.all(sql`SELECT id, code, name, website, logo_url, status, created_at FROM partner`);
    const byId = new Map<number, PartnerEntity>();
    const suspendedIds: number[] = [];
    for (const row of rows) {
      const partner = Object.assign(new PartnerEntity(), {
        id: Number(row.id),
        code: row.code as string,
        name: row.name as string,
        website: (row.website as string | null) ?? null,
        logoUrl: (row.logo_url as string | null) ?? null,
        status: row.status as PartnerStatus,
        createdAt: fromDbDateTime(row.created_at),
      });
      byId.set(partner.id, partner);
      if (partner.status === 'SUSPENDED') suspendedIds.push(partner.id);
    }
    suspendedIds.sort((a, b) => a - b);
    return { version, byId, suspendedIds };
  }
}

const directories = new WeakMap<DataSource, PartnerDirectory>();

/** This process's partner directory for a data source (one per data source, shared by the services). */
export function partnerDirectoryOf(dataSource: DataSource): PartnerDirectory {
  let directory = directories.get(dataSource);
  if (!directory) directories.set(dataSource, (directory = new PartnerDirectory(dataSource)));
  return directory;
}
