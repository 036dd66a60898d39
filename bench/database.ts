import type { DataSource } from 'typeorm';
import { parseDatabaseUrl, type DatabaseConfig } from '../src/config';
import { dropMysqlDatabase, openDatabase } from '../src/db/data-source';
import { seedDatabase } from '../src/seed/seed';
import { tokenizeKeywords } from '../src/offers/offer-filter';
import { OfferSearchSql } from '../src/offers/offer-search.sql';

/** Benchmark data set: 1,000,000 offers, a quarter of them ACTIVE (the rest is history). */
export const BENCH_TOTAL_OFFERS = 1_000_000;
export const BENCH_ACTIVE_SHARE = 0.25;

export const DEFAULT_BENCH_DATABASE_URL = 'mysql://root@127.0.0.1:3306/passerelle_bench';

export type MysqlConfig = Extract<DatabaseConfig, { type: 'mysql' }>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The benchmark database (BENCH_DATABASE_URL or the default); MySQL/MariaDB on loopback only. */
export function benchDatabase(env: NodeJS.ProcessEnv = process.env): { url: string; config: MysqlConfig } {
  const url = env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
  const config = parseDatabaseUrl(url);
  if (config.type !== 'mysql') throw new Error(`BENCH_DATABASE_URL must be a mysql:// or mariadb:// URL (got ${url})`);
  if (!LOOPBACK_HOSTS.has(config.host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address (got ${config.host})`);
  return { url, config };
}

export interface PreparedDatabase {
  dataSource: DataSource;
  offerCount: number;
  /** Null when existing data was reused. */
  seedSeconds: number | null;
  /** Seconds of each seed phase (offers, then the keyword index's), when seeded. */
  seedPhases: Record<string, number> | null;
  analyzeSeconds: number;
}

async function countOffers(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query('SELECT COUNT(*) AS n FROM offer');
  return Number(row.n);
}

/**
 * Opens the benchmark database (creating and migrating it), seeds it unless it already holds
 * BENCH_TOTAL_OFFERS offers (`reseed` drops it first), then refreshes the optimizer statistics.
 */
export async function prepareBenchDatabase(
  config: MysqlConfig,
  opts: { reseed: boolean; log: (line: string) => void },
): Promise<PreparedDatabase> {
  const { log } = opts;
  if (opts.reseed) {
    log(`--reseed: dropping database ${config.database}`);
    await dropMysqlDatabase(config);
  }
  const dataSource = await openDatabase(config);
  try {
    let offerCount = await countOffers(dataSource);
    let seedSeconds: number | null = null;
    let seedPhases: Record<string, number> | null = null;
    if (offerCount >= BENCH_TOTAL_OFFERS) {
      log(`Reusing the ${offerCount.toLocaleString('en')} offers already in ${config.database} (pass --reseed to rebuild them)`);
    } else {
      log(
        `Seeding ${BENCH_TOTAL_OFFERS.toLocaleString('en')} offers (${BENCH_ACTIVE_SHARE * 100} % ACTIVE) into ${config.database}; ${offerCount.toLocaleString('en')} already there`,
      );
      const started = Date.now();
      let lastPrinted = 0;
      const report = await seedDatabase(dataSource, {
        totalOffers: BENCH_TOTAL_OFFERS,
        activeShare: BENCH_ACTIVE_SHARE,
        onProgress: (done, total) => {
          if (Date.now() - lastPrinted < 10_000 && done < total) return;
          lastPrinted = Date.now();
          log(
            `  ${done.toLocaleString('en')}/${total.toLocaleString('en')} offers written (${((Date.now() - started) / 1000).toFixed(0)} s)`,
          );
        },
        onPhase: (phase, done, total) => {
          if (Date.now() - lastPrinted < 10_000 && done < total && done > 0) return;
          lastPrinted = Date.now();
          log(`  ${phase}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        },
      });
      seedSeconds = (Date.now() - started) / 1000;
      seedPhases = report.seconds as Record<string, number>;
      offerCount = await countOffers(dataSource);
      log(
        `Seeded in ${seedSeconds.toFixed(1)} s (${Object.entries(report.seconds)
          .map(([p, t]) => `${p} ${t!.toFixed(1)} s`)
          .join(
            ', ',
          )}): ${report.inserted.toLocaleString('en')} rows added, ${report.partners} partners; ${offerCount.toLocaleString('en')} offers in all`,
      );
    }
    const analyzeStarted = Date.now();
    await dataSource.query('ANALYZE TABLE offer');
    await dataSource.query('ANALYZE TABLE partner');
    const analyzeSeconds = (Date.now() - analyzeStarted) / 1000;
    log(`ANALYZE TABLE offer, partner: ${analyzeSeconds.toFixed(1)} s`);
    return { dataSource, offerCount, seedSeconds, seedPhases, analyzeSeconds };
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

/** Ids of the connections running a statement in the benchmark database, other than this one (the hub's). */
export async function busyConnections(dataSource: DataSource, database: string): Promise<number[]> {
  // COMMAND is 'Query' for text statements and 'Execute' for prepared ones.
  const rows: Array<{ id: number }> = await dataSource.query(
    "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND <> 'Sleep' AND ID <> CONNECTION_ID()",
    [database],
  );
  return rows.map((r) => Number(r.id));
}

/** Interrupts the statements running on these connections (KILL QUERY keeps the connections). */
export async function killStatements(dataSource: DataSource, connectionIds: number[]): Promise<void> {
  for (const id of connectionIds) await dataSource.query(`KILL QUERY ${Number(id)}`).catch(() => undefined);
}

/** Tables a benchmark reads, loaded into the buffer pool before measuring (see warmBufferPool). */
const WARMED_TABLES = ['offer', 'offer_term', 'offer_search', 'partner'] as const;

/**
 * Reads the benchmark's tables and every index of them once, so that the measured windows find them
 * in InnoDB's buffer pool, as on a production server that has been running: every clustered index
 * (row data, descriptions included), every secondary index, the term index (offer_term: its
 * clustered index is the whole table), and each benchmark keyword's count. Without it the figures depend on what ran before: after other
 * databases (tests, the other benchmarks) had pushed these pages out, (b) fell to 2 req/s and a
 * first keyword search waited over 60 s, reading this machine's disk at ~500 random reads a second
 * (2026-11-27). Returns the seconds it took.
 */
export async function warmBufferPool(dataSource: DataSource, keywords: string[], log: (line: string) => void): Promise<number> {
  const started = Date.now();
  const indexes: Array<{ table: string; index: string }> = await dataSource.query(
    `SELECT DISTINCT TABLE_NAME AS \`table\`, INDEX_NAME AS \`index\` FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${WARMED_TABLES.map(() => '?').join(', ')}) AND INDEX_TYPE = 'BTREE'`,
    [...WARMED_TABLES],
  );
  for (const { table, index } of indexes) {
    // The clustered index with a column it alone holds (a full row read); a secondary index alone.
    const where = index === 'PRIMARY' && table === 'offer' ? ' WHERE LENGTH(o.title) >= 0' : '';
    await dataSource.query(`SELECT COUNT(*) AS n FROM \`${table}\` o FORCE INDEX (\`${index}\`)${where}`);
  }
  // Each keyword search's count, as the hub writes it: every index row of its words.
  const searchSql = new OfferSearchSql('mysql');
  for (const keyword of keywords) {
    const statement = searchSql.count({ filter: { keywordTokens: tokenizeKeywords(keyword) }, partnerId: null }, new Date());
    await dataSource.query(statement.text, [...statement.params]);
  }
  const seconds = (Date.now() - started) / 1000;
  log(
    `Buffer pool warmed in ${seconds.toFixed(1)} s: ${indexes.length} indexes of ${WARMED_TABLES.join(', ')}, and the counts of ${keywords.length} keywords`,
  );
  return seconds;
}
