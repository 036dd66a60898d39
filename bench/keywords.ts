import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { benchDatabase, prepareBenchDatabase } from './database';
import { coldKeywordQueryKinds, type ColdQueryKind } from './fixtures';
import { cpuMicros, mariadbPid } from './proc';
import { sizeBufferPool, sizeRedoLog } from './mariadb';
import { toDbDateTime } from '../src/db/sql';
import { buildOfferQuery } from '../src/offers/offer-filter';
import { OfferSearchIndexService } from '../src/offers/offer-search-index';
import { OfferSearchService } from '../src/offers/offer-search.service';
import { publicVisibility } from '../src/offers/offer-search.sql';

const USAGE = `Usage: npm run bench:keywords [-- --reseed] [-- --terms-only]
Keyword searches new to the hub (every request a query not searched before), page 1 of 20 by date,
over the benchmark database (1,000,000 offers, seeded if missing): the term index (offer_term, what
the hub runs) against the FULLTEXT index it replaced (built here in a table of the benchmark's own,
bench_offer_fulltext, with the old hub's statements), in the same run, one request at a time and
KEYWORDS_CONCURRENCY (10) at once. KEYWORDS_REQUESTS (400) queries per measure. Figures by kind of
query too (one word, two words, a prefix), with MariaDB's and this process's CPU per search.
--terms-only: the term index alone (no FULLTEXT reference: nothing written to the database).
Env: BENCH_DATABASE_URL (default mysql://root@127.0.0.1:3306/passerelle_bench).`;

const RESULTS_DIR = path.join(__dirname, 'results');
const PAGE = 20;
/** What the old hub read for a keyword search new to it: its first 1,000 matches, ordered (KEYWORD_MATCH_LIMIT). */
const OLD_MATCH_LIMIT = 1_000;

interface Latencies {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

interface Figures extends Latencies {
  /** Queries that found at least one offer. */
  withResults: number;
  /** The same latencies by kind of query (fixtures.ts, coldKeywordQueryKinds). */
  byKind: Partial<Record<ColdQueryKind, Latencies>>;
  /** CPU per search over the measure (/proc; MariaDB's includes whatever else it served meanwhile). */
  mariadbMicrosPerSearch: number | null;
  benchMicrosPerSearch: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function latencyFigures(latencies: number[]): Latencies {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1]),
  };
}

/** How each query was drawn (set by main from coldKeywordQueryKinds). */
let queryKinds = new Map<string, ColdQueryKind>();
const MARIADB_PID = mariadbPid();

/** Runs `search` over the queries, `concurrency` at a time; latency of each, in ms, and CPU per search. */
async function measure(queries: string[], concurrency: number, search: (keywords: string) => Promise<number>): Promise<Figures> {
  const latencies: number[] = [];
  const byKind = new Map<ColdQueryKind, number[]>();
  let withResults = 0;
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const keywords = queries[next++];
      const started = process.hrtime.bigint();
      const found = await search(keywords);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      latencies.push(ms);
      const kind = queryKinds.get(keywords);
      if (kind) byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
      if (found > 0) withResults++;
    }
  };
  const mariadbBefore = MARIADB_PID === null ? null : cpuMicros(MARIADB_PID);
  const benchBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const bench = process.cpuUsage(benchBefore);
  const mariadbMicros = MARIADB_PID === null || mariadbBefore === null ? null : cpuMicros(MARIADB_PID) - mariadbBefore;
  return {
    ...latencyFigures(latencies),
    withResults,
    byKind: Object.fromEntries([...byKind].map(([kind, ms]) => [kind, latencyFigures(ms)])),
    mariadbMicrosPerSearch: mariadbMicros === null ? null : Math.round(mariadbMicros / queries.length),
    benchMicrosPerSearch: Math.round((bench.user + bench.system) / queries.length),
  };
}

/**
 * The old hub's keyword search, as it ran before the term index: InnoDB boolean mode over a
 * FULLTEXT index of the ACTIVE offers' texts, the first 1,000 matches by date, then the page's rows
 * by id (OfferSearchService.keywordPage with OfferSearchSql's FULLTEXT statements, commit 8b08639).
 */
async function oldSearch(dataSource: DataSource, keywords: string): Promise<number> {
  const tokens = buildOfferQuery({ filter: { keywords } }).filter.keywordTokens ?? [];
  const visible = publicVisibility(new Date());
  const against = tokens.map((t) => `+${t}*`).join(' ');
  const matches: Array<{ id: number }> = await dataSource.query(
    `SELECT o.id, o.partner_id, o.published_at FROM bench_offer_fulltext s JOIN offer o ON o.id = s.offer_id WHERE ${visible.text} AND MATCH(s.title, s.description) AGAINST (? IN BOOLEAN MODE) ORDER BY o.published_at DESC, o.id DESC LIMIT ${OLD_MATCH_LIMIT + 1}`,
    [...visible.params, against],
  );
  if (matches.length === 0) return 0;
  const ids = matches.slice(0, PAGE + 1).map((m) => Number(m.id));
  const rows = await dataSource.query(
    `SELECT o.id, o.title, o.published_at, o.city, o.partner_id FROM offer o WHERE o.id IN (${ids.join(', ')}) AND ${visible.text}`,
    [...visible.params],
  );
  return rows.length;
}

/** Builds the FULLTEXT reference table unless it is there with every ACTIVE offer; seconds taken (0 if reused). */
async function ensureFulltextReference(dataSource: DataSource, log: (line: string) => void): Promise<number> {
  const [{ n: active }] = await dataSource.query("SELECT COUNT(*) AS n FROM offer WHERE status = 'ACTIVE'");
  const exists = await dataSource.query(
    "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bench_offer_fulltext' AND INDEX_TYPE = 'FULLTEXT' LIMIT 1",
  );
  if (exists.length) {
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM bench_offer_fulltext');
    if (Number(n) === Number(active)) {
      log(`Reusing bench_offer_fulltext (${Number(n).toLocaleString('en')} offers, FULLTEXT index built)`);
      return 0;
    }
  }
  log(
    `Building bench_offer_fulltext: ${Number(active).toLocaleString('en')} ACTIVE offers' texts, then their FULLTEXT index (the old hub's)`,
  );
  const started = Date.now();
  await dataSource.query('DROP TABLE IF EXISTS bench_offer_fulltext');
  await dataSource.query(
    'CREATE TABLE bench_offer_fulltext (offer_id int NOT NULL, title varchar(255) NOT NULL, description text NOT NULL, PRIMARY KEY (offer_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  );
  await dataSource.query(
    "INSERT INTO bench_offer_fulltext (offer_id, title, description) SELECT id, title, description FROM offer WHERE status = 'ACTIVE'",
  );
  const copied = (Date.now() - started) / 1000;
  await dataSource.query('ALTER TABLE bench_offer_fulltext ADD FULLTEXT INDEX ft_bench (title, description)');
  const seconds = (Date.now() - started) / 1000;
  log(`  copied in ${copied.toFixed(1)} s, FULLTEXT index built in ${(seconds - copied).toFixed(1)} s`);
  return seconds;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--reseed' && a !== '--terms-only')) {
    console.log(USAGE);
    return args.includes('--help') || args.includes('-h') ? 0 : 2;
  }
  const termsOnly = args.includes('--terms-only');
  const requests = Number(process.env.KEYWORDS_REQUESTS ?? 400);
  const concurrency = Number(process.env.KEYWORDS_CONCURRENCY ?? 10);
  const log = (line: string) => console.log(line);
  const { config } = benchDatabase();
  const pool = sizeBufferPool();
  const redo = sizeRedoLog();
  log(`InnoDB buffer pool ${Math.round(pool / 1024 ** 2)} MiB, redo log ${Math.round(redo / 1024 ** 2)} MiB`);
  const db = await prepareBenchDatabase(config, { reseed: args.includes('--reseed'), log });
  const { dataSource } = db;
  try {
    const index = new OfferSearchIndexService(dataSource);
    if (termsOnly) log(`Keyword index queue: ${await index.backlog()} offers waiting (--terms-only: left to the hubs)`);
    else {
      log(`Keyword index queue: ${await index.backlog()} offers waiting; indexing them`);
      await index.indexPending();
    }
    const fulltextSeconds = termsOnly ? 0 : await ensureFulltextReference(dataSource, log);
    // Queries of each kind, none repeated; the warm-up ones are not measured (their own words).
    queryKinds = await coldKeywordQueryKinds(dataSource, 4 * requests + 100);
    const all = [...queryKinds.keys()];
    const warm = all.slice(0, 100);
    const sets = [all.slice(100, 100 + requests), all.slice(100 + requests, 100 + 2 * requests)];
    const concurrentSets = [all.slice(100 + 2 * requests, 100 + 3 * requests), all.slice(100 + 3 * requests)];
    log(`${all.length} distinct queries, e.g. ${all.slice(100, 112).join(' | ')}`);

    // The hub's service with its match-list cache as in production (each query is new to it).
    const hub = new OfferSearchService(dataSource, index, { countCacheSeconds: 0 });
    const newSearch = async (keywords: string) =>
      (await hub.page(buildOfferQuery({ filter: { keywords }, first: PAGE }), new Date())).rows.length;
    const oldOne = (keywords: string) => oldSearch(dataSource, keywords);

    // --terms-only: the FULLTEXT measures are left out (null).
    const reference = (queries: string[], concurrent: number) => (termsOnly ? Promise.resolve(null) : measure(queries, concurrent, oldOne));
    log(`Warm-up (not measured): 50 queries ${termsOnly ? 'on the term index' : 'each way'}`);
    await reference(warm.slice(0, 50), 1);
    await measure(warm.slice(50), 1, newSearch);

    // Alternating old and new on disjoint query sets, so that neither reads pages the other loaded for the same words.
    const results = {
      fulltextAlone: await reference(sets[0], 1),
      termsAlone: await measure(sets[1], 1, newSearch),
      fulltextConcurrent: await reference(concurrentSets[0], concurrency),
      termsConcurrent: await measure(concurrentSets[1], concurrency, newSearch),
    };
    // Same queries the other way round: the difference is not the words.
    const swapped = {
      fulltextAlone: await reference(sets[1], 1),
      termsAlone: await measure(sets[0], 1, newSearch),
    };
    const [{ offers, active }] = await dataSource.query("SELECT COUNT(*) AS offers, SUM(status = 'ACTIVE') AS active FROM offer");
    const [{ rows: termRows }] = await dataSource.query('SELECT COUNT(*) AS `rows` FROM offer_term');
    const sizes: Array<{ t: string; mb: number }> = await dataSource.query(
      "SELECT TABLE_NAME AS t, ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576) AS mb FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('offer', 'offer_term', 'offer_search', 'bench_offer_fulltext')",
    );
    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.availableParallelism(),
        loadAverage: os.loadavg()[0],
        bufferPoolMiB: Math.round(pool / 1024 ** 2),
        redoLogMiB: Math.round(redo / 1024 ** 2),
      },
      database: {
        offers: Number(offers),
        active: Number(active),
        termRows: Number(termRows),
        sizesMiB: Object.fromEntries(sizes.map((s) => [s.t, Number(s.mb)])),
        seedSeconds: db.seedSeconds,
        seedPhases: db.seedPhases,
        fulltextBuildSeconds: fulltextSeconds,
      },
      settings: { requests, concurrency, page: PAGE, now: toDbDateTime(new Date()) },
      results,
      swapped,
      sample: sets[1].slice(0, 30),
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'keywords-latest.json'), JSON.stringify(report, null, 2) + '\n');
    const cpu = (micros: number | null) => (micros === null ? '–' : (micros / 1000).toFixed(2));
    const line = (name: string, f: Figures | null) =>
      f
        ? [
            `| ${name} | ${f.requests} | ${f.p50} | ${f.p90} | ${f.p99} | ${f.max} | ${f.withResults} | ${cpu(f.mariadbMicrosPerSearch)} | ${cpu(f.benchMicrosPerSearch)} |`,
            ...Object.entries(f.byKind).map(
              ([kind, k]) => `| &nbsp;&nbsp;${kind} | ${k.requests} | ${k.p50} | ${k.p90} | ${k.p99} | ${k.max} | | | |`,
            ),
          ].join('\n')
        : `| ${name} | – | | | | | | | |`;
    const markdown = [
      `Keyword searches new to the hub, page 1 of ${PAGE} by date (${report.date}; ${Number(offers).toLocaleString('en')} offers, ${Number(active).toLocaleString('en')} ACTIVE, ${Number(termRows).toLocaleString('en')} term rows)`,
      '',
      '| Path | queries | p50 ms | p90 ms | p99 ms | max ms | with results | MariaDB CPU ms/search | bench CPU ms/search |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      line('FULLTEXT (old), one at a time', results.fulltextAlone),
      line('term index (new), one at a time', results.termsAlone),
      line(`FULLTEXT (old), ${concurrency} at once`, results.fulltextConcurrent),
      line(`term index (new), ${concurrency} at once`, results.termsConcurrent),
      line("FULLTEXT (old), one at a time, the new path's queries", swapped.fulltextAlone),
      line("term index (new), one at a time, the old path's queries", swapped.termsAlone),
      '',
      `In-process (no HTTP, no GraphQL): the service's page() against the old statements. Machine: ${report.machine.cpus} CPUs, 1-min load ${report.machine.loadAverage.toFixed(1)} at the end; buffer pool ${report.machine.bufferPoolMiB} MiB, redo log ${report.machine.redoLogMiB} MiB. Sizes (MiB): ${JSON.stringify(report.database.sizesMiB)}.`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'keywords-latest.md'), markdown);
    log('\n' + markdown);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main()
  .catch((err) => {
    console.error('bench:keywords failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    return 1;
  })
  .then((code) => process.exit(code));
