import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { OFFER_WRITE_COLUMNS, offerWriteValues, type PublishedOfferRow } from './offer-row';
import { columnList, raw, ROWS_PER_STATEMENT, sql, valueRows } from './sql';
import { withTransaction } from './transaction';
import { chunks } from '../lib/chunks';
import { dialectOf } from './dialect';

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
 * MySQL/MariaDB fast path for millions of rows: writes them to a temporary TSV file and sends it
 * with LOAD DATA LOCAL INFILE (an order of magnitude faster than INSERTs). Duplicates are ignored.
 * `rows` is consumed lazily, so memory stays flat.
 */
export async function loadOffersMysql(
  dataSource: DataSource,
  rows: Iterable<PublishedOfferRow>,
  onProgress?: (written: number) => void,
): Promise<number> {
  const loader = await openMysqlRowLoader(dataSource);
  let loaded = 0;
  let written = 0;
  // One LOAD DATA (one transaction) per chunk: memory and undo log stay bounded.
  const flush = async (batch: unknown[][]) => {
    loaded += await loader.load('offer', OFFER_WRITE_COLUMNS, batch, { ignoreDuplicates: true });
    written += batch.length;
    onProgress?.(written);
  };
  try {
    let batch: unknown[][] = [];
    for (const row of rows) {
      batch.push(offerWriteValues(row));
      if (batch.length === LOAD_DATA_CHUNK_ROWS) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length) await flush(batch);
    return loaded;
  } finally {
    await loader.end();
  }
}

/** Rows per LOAD DATA statement. */
const LOAD_DATA_CHUNK_ROWS = 50_000;

/** A MariaDB connection that loads rows into a table with LOAD DATA LOCAL INFILE, one temporary file a call. */
export interface MysqlRowLoader {
  /**
   * Loads rows (values in `columns` order) into `table`; returns the rows added. `ignoreDuplicates`:
   * rows whose key is taken are skipped (LOAD DATA ... IGNORE) instead of failing the load.
   */
  load(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly unknown[]>,
    opts?: { ignoreDuplicates?: boolean },
  ): Promise<number>;
  end(): Promise<void>;
}

/** Opens a LOAD DATA connection to the data source's MariaDB database (bulk loads: the offer seed, the keyword index). */
export async function openMysqlRowLoader(dataSource: DataSource): Promise<MysqlRowLoader> {
  const opts = dataSource.options as { host?: string; port?: number; username?: string; password?: string; database?: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-load-'));
  const file = path.join(dir, 'rows.tsv');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const conn = await mysql.createConnection({
    host: opts.host,
    port: opts.port,
    user: opts.username,
    password: opts.password,
    database: opts.database,
    timezone: 'Z',
    infileStreamFactory: () => fs.createReadStream(file),
  });
  return {
    async load(table, columns, rows, opts = {}) {
      if (rows.length === 0) return 0;
      fs.writeFileSync(file, rows.map((values) => values.map(tsvField).join('\t')).join('\n') + '\n');
      const load = sql`LOAD DATA LOCAL INFILE ${file} ${raw(opts.ignoreDuplicates ? 'IGNORE ' : '')}INTO TABLE ${raw(table)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columnList(columns)})`;
      const [result] = await conn.query(load.text, [...load.params]);
      return Number((result as { affectedRows?: number }).affectedRows ?? 0);
    },
    async end() {
      await conn.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
