import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { OFFER_WRITE_COLUMNS, offerWriteValues, type PublishedOfferRow } from './offer-row';
import { columnList, raw, ROWS_PER_STATEMENT, sql, valueRows } from './sql';
import { withTransaction } from './transaction';
import { batches, chunks } from '../lib/chunks';
import { dialectOf } from './dialect';
import { queryPrimary } from './sql-executor';
import { autocommitStatement } from './transaction';
import { restoreSuspendedTriggers, suspendTriggers, triggersOf } from './suspended-triggers';

/**
 * Inserts offers in multi-row INSERT statements, skipping those whose (publisher, externalId)
 * already exists (so seeding twice adds nothing). Returns how many rows were inserted.
 * For seeding and imports of trusted data; partner ingestion validates first.
 */
export async function insertOffersIgnoringDuplicates(dataSource: DataSource, rows: readonly PublishedOfferRow[]): Promise<number> {
  const insertIgnore = raw(dialectOf(dataSource) === 'sqlite' ? 'INSERT OR IGNORE' : 'INSERT IGNORE');
  return withTransaction(dataSource, async (tx) => {
    let inserted = 0;
    for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
      inserted += await tx.run(
        sql`${insertIgnore} INTO offer (${columnList(OFFER_WRITE_COLUMNS)}) VALUES ${valueRows(chunk.map(offerWriteValues))}`,
      );
    }
    return inserted;
  });
}

function tsvField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = String(value);
  return /[\t\n\\\r]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : text;
}

/**
 * What the offer table's INSERT triggers do, for rows loaded while they were suspended (see
 * suspended-triggers.ts): a replay, or null when the load's caller redoes that work itself. An
 * INSERT trigger not listed here keeps the bulk path closed (the rows would miss its work); a
 * migration adding one must add its replay.
 */
const INSERT_TRIGGER_REPLAYS: Record<string, ((dataSource: DataSource) => Promise<void>) | null> = {
  // Queues the offer for the keyword index: the bulk load's caller rebuilds the whole index instead.
  offer_search_ai: null,
  // The syndication log's pending entry of an agency offer (Syndication1765191600000).
  syndication_ai: (dataSource) =>
    autocommitStatement(
      dataSource,
      sql`INSERT INTO syndication_pending (offer_id, changed_at) SELECT id, UTC_TIMESTAMP(3) FROM offer WHERE partner_id IS NULL ORDER BY id`,
    ).then(() => undefined),
};

/** Whether the offer table is empty and has no INSERT trigger without a replay: the bulk path's conditions. */
async function canBulkLoadOffers(dataSource: DataSource): Promise<boolean> {
  const any = await queryPrimary(dataSource, sql`SELECT 1 AS x FROM offer LIMIT 1`);
  if (any.length > 0) return false;
  const triggers = await triggersOf(dataSource, 'offer');
  return triggers.every((t) => t.event !== 'INSERT' || t.name in INSERT_TRIGGER_REPLAYS);
}

/**
 * MySQL/MariaDB fast path for millions of rows, with LOAD DATA LOCAL INFILE (an order of magnitude
 * faster than INSERTs), `rows` consumed lazily so that memory stays flat. Duplicates are ignored.
 *
 * Into an empty offer table (a seed), the rows go in one statement in InnoDB's bulk mode: the
 * table's triggers suspended (suspended-triggers.ts), their work replayed after the load, except
 * the keyword index's queue: **the caller rebuilds the keyword index** (rebuildTermIndex), as the
 * seed does. Nothing else may write offers meanwhile (their writes would miss the triggers too).
 * Otherwise one statement, one transaction, per 50,000 rows, triggers firing as usual. Returns the
 * rows added and whether the bulk path was taken.
 */
export async function loadOffersMysql(
  dataSource: DataSource,
  rows: Iterable<PublishedOfferRow>,
  onProgress?: (written: number) => void,
): Promise<{ loaded: number; bulk: boolean }> {
  const bulk = await canBulkLoadOffers(dataSource);
  const loader = await openMysqlRowLoader(dataSource);
  let loaded = 0;
  let written = 0;
  const values = function* () {
    for (const row of rows) {
      yield offerWriteValues(row);
      if (++written % 10_000 === 0) onProgress?.(written);
    }
  };
  try {
    if (bulk) {
      await suspendTriggers(dataSource, 'offer');
      try {
        loaded = await loader.load('offer', OFFER_WRITE_COLUMNS, values(), { bulk: true });
      } finally {
        await restoreSuspendedTriggers(dataSource);
      }
      for (const replay of Object.values(INSERT_TRIGGER_REPLAYS)) if (replay) await replay(dataSource);
    } else {
      for (const batch of batches(values(), LOAD_DATA_CHUNK_ROWS)) {
        loaded += await loader.load('offer', OFFER_WRITE_COLUMNS, batch, { ignoreDuplicates: true });
      }
    }
    onProgress?.(written);
    return { loaded, bulk };
  } finally {
    await loader.end();
  }
}

/** Rows per LOAD DATA statement outside bulk mode: each is one transaction, its undo log bounded. */
const LOAD_DATA_CHUNK_ROWS = 50_000;

/** Bytes of TSV handed to the connection at once. */
const STREAM_CHUNK_BYTES = 256 * 1024;

/** A MariaDB connection that loads rows into tables with LOAD DATA LOCAL INFILE, the rows streamed as they come. */
export interface MysqlRowLoader {
  /**
   * Loads rows (values in `columns` order) into `table` in one statement, reading `rows` while
   * MariaDB inserts (no temporary file); returns the rows added. `ignoreDuplicates`: rows whose key
   * is taken are skipped (LOAD DATA ... IGNORE). `bulk`: into an EMPTY table without triggers, with
   * unique and foreign-key checks off in one transaction, so that InnoDB builds every index by
   * sorting; the rows must be free of duplicate keys.
   */
  load(
    table: string,
    columns: readonly string[],
    rows: Iterable<readonly unknown[]>,
    opts?: { ignoreDuplicates?: boolean; bulk?: boolean },
  ): Promise<number>;
  end(): Promise<void>;
}

/** Opens a LOAD DATA connection to the data source's MariaDB database (bulk loads: the offer seed, the keyword index). */
export async function openMysqlRowLoader(dataSource: DataSource): Promise<MysqlRowLoader> {
  const opts = dataSource.options as { host?: string; port?: number; username?: string; password?: string; database?: string };
  let source: Readable | null = null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const conn = await mysql.createConnection({
    host: opts.host,
    port: opts.port,
    user: opts.username,
    password: opts.password,
    database: opts.database,
    timezone: 'Z',
    // The statement names no real file: the rows are streamed from `source`.
    infileStreamFactory: () => source!,
  });
  return {
    async load(table, columns, rows, loadOpts = {}) {
      source = Readable.from(tsvChunks(rows), { objectMode: false });
      const load = sql`LOAD DATA LOCAL INFILE 'rows.tsv' ${raw(loadOpts.ignoreDuplicates ? 'IGNORE ' : '')}INTO TABLE ${raw(table)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columnList(columns)})`;
      if (loadOpts.bulk) {
        await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
        await conn.query('START TRANSACTION');
      }
      try {
        const [result] = await conn.query(load.text, [...load.params]);
        if (loadOpts.bulk) await conn.query('COMMIT');
        return Number((result as { affectedRows?: number }).affectedRows ?? 0);
      } catch (err) {
        if (loadOpts.bulk) await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        source.destroy();
        source = null;
        if (loadOpts.bulk) await conn.query('SET SESSION unique_checks = 1, foreign_key_checks = 1').catch(() => undefined);
      }
    },
    async end() {
      await conn.end();
    },
  };
}

/** Rows as TSV text (LOAD DATA's default escapes), in chunks of about STREAM_CHUNK_BYTES. */
function* tsvChunks(rows: Iterable<readonly unknown[]>): Generator<string> {
  let chunk = '';
  for (const values of rows) {
    chunk += values.map(tsvField).join('\t') + '\n';
    if (chunk.length >= STREAM_CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
