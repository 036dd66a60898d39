import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropMysqlDatabase, ensureMysqlDatabase } from '../src/db/data-source';
import { parseDatabaseUrl } from '../src/config';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/seed/synthetic-offers';
import type { OfferInput } from '../src/ingestion/ingestion.types';
import { stopAllChildren } from './children';
import { encodeBody, startBenchHub } from './hub';
import { emptyBufferPool, mysql, sizeBufferPool } from './mariadb';

/**
 * `npm run bench:ingest`: 250,000 offers pushed through upsertOffers over HTTP in batches of
 * 1,000 to a fresh MariaDB database, then the same 250,000 again (all UNCHANGED), then with 10 %
 * modified, from BENCH_INGEST_CLIENTS concurrent clients (default 2: partners push at once).
 * Reports offers/s per pass. Targets: >= 5,000/s new, >= 20,000/s unchanged.
 */
const TOTAL = Number(process.env.BENCH_INGEST_OFFERS ?? 250_000);
const BATCH = 1_000;
/** Concurrent pushes (several partners push at once in production); BENCH_INGEST_CLIENTS. */
const CLIENTS = Number(process.env.BENCH_INGEST_CLIENTS ?? 2);
const DATABASE_URL = process.env.BENCH_INGEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/passerelle_bench_ingest';
const ADMIN_KEY = `bench-admin-${process.pid}-${Date.now()}`;
const RESULTS_DIR = path.join(__dirname, 'results');

/** Offer inputs as a partner would send them: real content recombined over real communes. */
function buildInputs(): OfferInput[] {
  const now = new Date();
  const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
  const generator = createSyntheticOfferGenerator({ seed: 4242, now, partnerCodes: [], templates });
  return Array.from({ length: TOTAL }, (_, i) => {
    const row = generator.next(i).row;
    return {
      externalId: `bench-${i}`,
      title: row.title,
      description: row.description,
      romeCode: row.romeCode,
      employer: row.employerName ? { name: row.employerName } : null,
      location: { communeCode: row.communeCode, postalCode: row.postalCode },
      contractType: row.contractType,
      fullTime: row.fullTime,
      salary: row.salaryMin !== null && row.salaryPeriod ? { min: row.salaryMin, max: row.salaryMax, period: row.salaryPeriod } : null,
      publishedAt: row.publishedAt.toISOString(),
    } as unknown as OfferInput; // dates travel as ISO strings, as over HTTP
  });
}

/** Offers the keyword index has yet to take (MariaDB's offer_search_queue). */
function queuedForIndexing(database: string): number {
  // (database names are checked by parseDatabaseUrl: letters, digits, _ and $)
  return Number(mysql(`SELECT COUNT(*) FROM ${database}.offer_search_queue`));
}

async function main(): Promise<void> {
  const db = parseDatabaseUrl(DATABASE_URL);
  if (db.type !== 'mysql') throw new Error('bench:ingest runs on MariaDB/MySQL');
  await dropMysqlDatabase(db);
  const freePagesBefore = emptyBufferPool();
  const bufferPool = sizeBufferPool();
  await ensureMysqlDatabase(db);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const hub = await startBenchHub(DATABASE_URL, ADMIN_KEY, path.join(RESULTS_DIR, 'ingest-hub.log'));
  try {
    const { gql, post } = hub;
    const partner = await gql(ADMIN_KEY, 'mutation { createPartner(input: { code: "bench-board", name: "Bench board" }) { id } }', {});
    const { key } = (
      await gql(ADMIN_KEY, 'mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "bench") { key } }', {
        p: partner.createPartner.id,
      })
    ).issueApiKey;

    console.log(`Building ${TOTAL.toLocaleString('en')} offer inputs...`);
    const inputs = buildInputs();
    const UPSERT = 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated unchanged rejected } }';
    const pass = async (name: string, offers: OfferInput[]) => {
      const totals = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
      // Request bodies are serialised and encoded before the clock starts: the hub is measured, not the client.
      const bodies: Uint8Array[] = [];
      for (let i = 0; i < offers.length; i += BATCH) bodies.push(encodeBody(UPSERT, { o: offers.slice(i, i + BATCH) }));
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < bodies.length) {
            const r = (await post(key, bodies[next++])).upsertOffers;
            for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k];
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const perSecond = Math.round(offers.length / seconds);
      // Keyword search lags the writes by the keyword index's backlog (offer-search-index.ts): the
      // pass is over for keyword search when the hub's background indexer has emptied the queue.
      while (queuedForIndexing(db.database) > 0) await new Promise((r) => setTimeout(r, 100));
      const indexedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(
        `${name}: ${perSecond.toLocaleString('en')} offers/s (${seconds.toFixed(1)} s) ${JSON.stringify(totals)}; keyword index caught up after ${indexedSeconds.toFixed(1)} s`,
      );
      return {
        name,
        offers: offers.length,
        seconds: Number(seconds.toFixed(2)),
        perSecond,
        indexedSeconds: Number(indexedSeconds.toFixed(2)),
        ...totals,
      };
    };
    const results: Array<Awaited<ReturnType<typeof pass>>> = [];
    results.push(await pass('new', inputs));
    results.push(await pass('unchanged', inputs));
    const modified = inputs.map((o, i) => (i % 10 === 0 ? { ...o, title: `${o.title} (mise à jour)` } : o));
    results.push(await pass('10 % modified', modified));

    const mariadb = mysql('SELECT VERSION()');
    const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
    const report = {
      date: new Date().toISOString(),
      machine: {
        cores: os.cpus().length,
        cpu,
        node: process.version,
        mariadb,
        bufferPoolBytes: bufferPool,
        freeBufferPoolPagesBefore: freePagesBefore,
      },
      batch: BATCH,
      results,
    };
    fs.writeFileSync(path.join(RESULTS_DIR, 'ingest-latest.json'), JSON.stringify(report, null, 2));
    const target = (r: (typeof results)[0]) => (r.name === 'new' ? 5000 : r.name === 'unchanged' ? 20000 : null);
    const md = [
      `Ingestion benchmark, ${report.date.slice(0, 10)}: ${report.machine.cores} cores (${cpu}), Node ${process.version}, MariaDB ${mariadb} (buffer pool ${(bufferPool / 1024 ** 3).toFixed(0)} GiB, emptied before the run: ${freePagesBefore.toLocaleString('en')} pages were free); ${TOTAL.toLocaleString('en')} offers in batches of ${BATCH} over HTTP, ${CLIENTS} concurrent client${CLIENTS > 1 ? 's' : ''} (bodies serialised and encoded before the clock starts).`,
      '',
      '| pass | offers/s | seconds | keyword index caught up (s) | created | updated | unchanged | rejected | target | met? |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.perSecond.toLocaleString('en')} | ${r.seconds} | ${r.indexedSeconds} | ${r.created} | ${r.updated} | ${r.unchanged} | ${r.rejected} | ${target(r) ? `≥ ${target(r)!.toLocaleString('en')}/s` : '—'} | ${target(r) ? (r.perSecond >= target(r)! ? 'yes' : 'no') : '—'} |`,
      ),
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'ingest-latest.md'), md + '\n');
    console.log('\n' + md);
  } finally {
    await stopAllChildren();
  }
}

process.on('SIGINT', () => void stopAllChildren().then(() => process.exit(130)));
main().catch(async (err) => {
  console.error('bench:ingest failed:', err);
  await stopAllChildren();
  process.exit(1);
});
