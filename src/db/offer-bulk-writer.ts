import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { OfferRow } from './offer-row';
import { toDbDateTime } from './sql';
import { dialectOf } from './dialect';

/** An offer row with its publisher resolved to a partner row id (null: the agency). */
export interface PublishedOfferRow {
  partnerId: number | null;
  row: OfferRow;
}

/** Column order of offer writes (bulk loads and ingestion upserts); values from offerWriteValues. */
export const BULK_COLUMNS = [
  'source',
  'partner_id',
  'partner_key',
  'external_id',
  'title',
  'description',
  'rome_code',
  'employer_name',
  'employer_url',
  'location_label',
  'commune_code',
  'postal_code',
  'city',
  'department_code',
  'region_code',
  'latitude',
  'longitude',
  'contract_type',
  'full_time',
  'salary_min',
  'salary_max',
  'salary_currency',
  'salary_period',
  'salary_label',
  'salary_yearly_min',
  'experience_level',
  'published_at',
  'updated_at',
  'valid_through',
  'status',
  'apply_url',
  'reserved_for_jobseekers',
  'content_hash',
] as const;

/** The values of one offer row, in BULK_COLUMNS order, as both engines store them. */
export function offerWriteValues({ partnerId, row: r }: PublishedOfferRow): unknown[] {
  const bool = (b: boolean | null) => (b === null ? null : b ? 1 : 0);
  return [
    r.source,
    partnerId,
    partnerId ?? 0,
    r.externalId,
    r.title,
    r.description,
    r.romeCode,
    r.employerName,
    r.employerUrl,
    r.locationLabel,
    r.communeCode,
    r.postalCode,
    r.city,
    r.departmentCode,
    r.regionCode,
    r.latitude,
    r.longitude,
    r.contractType,
    bool(r.fullTime),
    r.salaryMin,
    r.salaryMax,
    r.salaryCurrency,
    r.salaryPeriod,
    r.salaryLabel,
    r.salaryYearlyMin,
    r.experienceLevel,
    toDbDateTime(r.publishedAt),
    toDbDateTime(r.updatedAt),
    r.validThrough ? toDbDateTime(r.validThrough) : null,
    r.status,
    r.applyUrl,
    r.reservedForJobseekers ? 1 : 0,
    r.contentHash,
  ];
}

/** Rows per INSERT statement: keeps SQLite under its 32,766 bound parameters. */
const ROWS_PER_STATEMENT = 500;

/**
 * Inserts offers in multi-row INSERT statements, skipping those whose (publisher, externalId)
 * already exists (so seeding twice adds nothing). Returns how many rows were inserted.
 * For seeding and imports of trusted data; partner ingestion validates first.
 */
export async function insertOffersIgnoringDuplicates(dataSource: DataSource, rows: readonly PublishedOfferRow[]): Promise<number> {
  const sqlite = dialectOf(dataSource) === 'sqlite';
  const columns = BULK_COLUMNS.join(', ');
  const rowPlaceholder = `(${BULK_COLUMNS.map(() => '?').join(', ')})`;
  let inserted = 0;
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.startTransaction();
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      const text = `${sqlite ? 'INSERT OR IGNORE' : 'INSERT IGNORE'} INTO offer (${columns}) VALUES ${chunk.map(() => rowPlaceholder).join(', ')}`;
      const result = await queryRunner.query(text, chunk.flatMap(offerWriteValues), true);
      inserted += Number((result as { affected?: number }).affected ?? 0);
    }
    await queryRunner.commitTransaction();
  } catch (err) {
    if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
    throw err;
  } finally {
    await queryRunner.release();
  }
  return inserted;
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
  const opts = dataSource.options as { host?: string; port?: number; username?: string; password?: string; database?: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-load-'));
  const file = path.join(dir, 'offers.tsv');
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
  let loaded = 0;
  let written = 0;
  // One file and one LOAD DATA (one transaction) per chunk: memory and undo log stay bounded.
  const flush = async (lines: string[]) => {
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const [result] = await conn.query(
      `LOAD DATA LOCAL INFILE ? IGNORE INTO TABLE offer CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${BULK_COLUMNS.join(', ')})`,
      [file],
    );
    loaded += Number((result as { affectedRows?: number }).affectedRows ?? 0);
    written += lines.length;
    onProgress?.(written);
  };
  try {
    let lines: string[] = [];
    for (const row of rows) {
      lines.push(offerWriteValues(row).map(tsvField).join('\t'));
      if (lines.length === LOAD_DATA_CHUNK_ROWS) {
        await flush(lines);
        lines = [];
      }
    }
    if (lines.length) await flush(lines);
    return loaded;
  } finally {
    await conn.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows per LOAD DATA statement. */
const LOAD_DATA_CHUNK_ROWS = 50_000;

/** A MariaDB connection that loads rows into a table with LOAD DATA LOCAL INFILE, one temporary file a call. */
export interface MysqlRowLoader {
  /** Loads rows (values in `columns` order) into `table`; returns the rows added. */
  load(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<number>;
  end(): Promise<void>;
}

/** Opens a LOAD DATA connection to the data source's MariaDB database (bulk builds: the keyword index). */
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
    async load(table, columns, rows) {
      if (rows.length === 0) return 0;
      fs.writeFileSync(file, rows.map((values) => values.map(tsvField).join('\t')).join('\n') + '\n');
      const [result] = await conn.query(
        `LOAD DATA LOCAL INFILE ? INTO TABLE ${table} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.join(', ')})`,
        [file],
      );
      return Number((result as { affectedRows?: number }).affectedRows ?? 0);
    },
    async end() {
      await conn.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
