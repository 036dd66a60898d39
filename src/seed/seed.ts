import { OfferSearchIndexService } from '../offers/offer-search-index';
import { offerStockChanged } from '../db/offer-stock';
import type { DataSource } from 'typeorm';
import { insertOffersIgnoringDuplicates, loadOffersMysql } from '../db/offer-bulk-writer';
import type { PublishedOfferRow } from '../db/offer-row';
import { raw, sql, toDbDateTime } from '../db/sql';
import { queryPrimary } from '../db/sql-executor';
import { autocommitStatement } from '../db/transaction';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer, type MappedPartner } from '../ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from './synthetic-offers';
import { dialectOf } from '../db/dialect';

export interface SeedOptions {
  /** Offers in all: the real France Travail ones, topped up with generated ones. */
  totalOffers: number;
  /** Share of generated offers left ACTIVE; the rest are expired or withdrawn history. Default 1. */
  activeShare?: number;
  /** Generated offers are published in the 120 days before this instant. */
  now?: Date;
  /** Seed of the generator: the same seed gives the same offers (and keeps seeding idempotent). */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Progress of the phases after the offers are written (MariaDB bulk path: the keyword index's
   * read, term rows and offer rows; the queue otherwise): the phase, then done out of total.
   */
  onPhase?: (phase: SeedPhase, done: number, total: number) => void;
  /** Generated rows from which MariaDB loads use LOAD DATA (default 50,000; tests lower it). */
  mysqlBulkThreshold?: number;
}

export interface SeedReport {
  partners: number;
  realOffers: number;
  generatedOffers: number;
  /** Rows actually added (0 when the database was already seeded). */
  inserted: number;
  /** Whether the offers went in by MariaDB's bulk load (an empty table; see loadOffersMysql). */
  bulkLoad: boolean;
  /** Seconds each phase took. */
  seconds: Partial<Record<'offers' | SeedPhase, number>>;
}

/** The phases of a seed after the offers themselves (see SeedOptions.onPhase). */
export type SeedPhase = 'index: read offers' | 'index: term rows' | 'index: offer rows' | 'index: queue';

/** Default size of the demo database of `npm start`. */
export const DEMO_OFFER_COUNT = 20_000;

/** Above this many generated rows on MySQL, LOAD DATA LOCAL INFILE replaces INSERTs. */
const MYSQL_LOAD_DATA_THRESHOLD = 50_000;

/** Inserts partners missing by code; returns every partner id by code. */
async function upsertPartners(dataSource: DataSource, partners: MappedPartner[]): Promise<Map<string, number>> {
  const insertIgnore = raw(dialectOf(dataSource) === 'sqlite' ? 'INSERT OR IGNORE' : 'INSERT IGNORE');
  const now = toDbDateTime(new Date());
  for (const p of partners) {
    await autocommitStatement(
      dataSource,
      sql`${insertIgnore} INTO partner (code, name, website, logo_url, status, created_at) VALUES (${p.code}, ${p.name}, ${p.website}, ${p.logoUrl}, 'ACTIVE', ${now})`,
    );
  }
  const rows = await queryPrimary<{ id: number; code: string }>(dataSource, sql`SELECT id, code FROM partner`);
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

/** A deterministic number in [0, 1) for offer i (Knuth's multiplicative hash). */
function unitHash(i: number): number {
  return (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;
}

/**
 * Seeds demo or benchmark data: the 1,593 real France Travail offers shipped with the product
 * (their partner origins become partners), then generated offers recombining them over real
 * communes. Idempotent: rows are keyed by (publisher, externalId) and existing ones are skipped.
 */
export async function seedDatabase(dataSource: DataSource, opts: SeedOptions): Promise<SeedReport> {
  const now = opts.now ?? new Date();
  const activeShare = opts.activeShare ?? 1;
  const mapped = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now));

  const partnerOffers = new Map<string, { partner: MappedPartner; count: number }>();
  for (const m of mapped) {
    if (!m.partner) continue;
    const entry = partnerOffers.get(m.partner.code) ?? { partner: m.partner, count: 0 };
    entry.count++;
    partnerOffers.set(m.partner.code, entry);
  }
  // Biggest real boards first: the generator gives the first codes the largest shares.
  const partnersBySize = [...partnerOffers.values()].sort((a, b) => b.count - a.count || a.partner.code.localeCompare(b.partner.code));
  const partnerIds = await upsertPartners(
    dataSource,
    partnersBySize.map((e) => e.partner),
  );

  const realRows: PublishedOfferRow[] = mapped.map((m) => ({ partnerId: m.partner ? partnerIds.get(m.partner.code)! : null, row: m.row }));
  const realCount = Math.min(realRows.length, opts.totalOffers);
  const generatedCount = Math.max(0, opts.totalOffers - realCount);
  const loadData = dialectOf(dataSource) === 'mysql' && generatedCount >= (opts.mysqlBulkThreshold ?? MYSQL_LOAD_DATA_THRESHOLD);
  // MariaDB's bulk path takes the real offers too: into an empty table its one LOAD DATA transaction
  // builds the indexes by sorting (loadOffersMysql).
  let inserted = loadData ? 0 : await insertOffersIgnoringDuplicates(dataSource, realRows.slice(0, realCount));
  if (!loadData) opts.onProgress?.(realCount, opts.totalOffers);

  const generator = createSyntheticOfferGenerator({
    seed: opts.seed ?? 20251126,
    now,
    partnerCodes: partnersBySize.map((e) => e.partner.code),
    templates: mapped.map((m) => m.row),
  });
  function* generated(): Generator<PublishedOfferRow> {
    for (let i = 0; i < generatedCount; i++) {
      const { partnerCode, row } = generator.next(i);
      if (unitHash(i) >= activeShare) {
        // History: an expired or withdrawn offer, out of public search.
        if (i % 3 === 0) row.status = 'WITHDRAWN';
        else {
          row.status = 'EXPIRED';
          row.validThrough = new Date(Math.min(now.getTime() - 3_600_000, row.publishedAt.getTime() + 30 * 86_400_000));
        }
      }
      yield { partnerId: partnerCode === null ? null : partnerIds.get(partnerCode)!, row };
    }
  }

  const seconds: SeedReport['seconds'] = {};
  let bulkLoad = false;
  let phaseStarted = Date.now();
  if (loadData) {
    function* everyOffer(): Generator<PublishedOfferRow> {
      yield* realRows.slice(0, realCount);
      yield* generated();
    }
    const load = await loadOffersMysql(dataSource, everyOffer(), (done) => opts.onProgress?.(done, opts.totalOffers));
    inserted += load.loaded;
    bulkLoad = load.bulk;
    seconds.offers = (Date.now() - phaseStarted) / 1000;
    // One sorted build of the keyword index rather than a million queued offers indexed in batches.
    const phases = { read: 'index: read offers', terms: 'index: term rows', offers: 'index: offer rows' } as const;
    const report = await new OfferSearchIndexService(dataSource).rebuild((phase, done, total) =>
      opts.onPhase?.(phases[phase], done, total),
    );
    if (report) for (const phase of ['read', 'terms', 'offers'] as const) seconds[phases[phase]] = report.seconds[phase];
  } else {
    const chunk: PublishedOfferRow[] = [];
    let done = realCount;
    for (const row of generated()) {
      chunk.push(row);
      if (chunk.length === 5_000) {
        inserted += await insertOffersIgnoringDuplicates(dataSource, chunk);
        done += chunk.length;
        chunk.length = 0;
        opts.onProgress?.(done, opts.totalOffers);
      }
    }
    inserted += await insertOffersIgnoringDuplicates(dataSource, chunk);
    opts.onProgress?.(opts.totalOffers, opts.totalOffers);
    seconds.offers = (Date.now() - phaseStarted) / 1000;
    // MariaDB: the new offers are searchable by keyword when the seed returns.
    phaseStarted = Date.now();
    const index = new OfferSearchIndexService(dataSource);
    const queued = await index.backlog();
    opts.onPhase?.('index: queue', 0, queued);
    // Indexed before the call: `onPhase?.(..., await index.indexPending())` would skip the
    // indexing itself when no progress callback is given.
    const indexed = await index.indexPending();
    opts.onPhase?.('index: queue', indexed, queued);
    seconds['index: queue'] = (Date.now() - phaseStarted) / 1000;
  }
  await offerStockChanged(dataSource);
  return { partners: partnerIds.size, realOffers: realCount, generatedOffers: generatedCount, inserted, bulkLoad, seconds };
}
