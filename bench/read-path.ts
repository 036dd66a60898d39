import 'reflect-metadata';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { toDbDateTime } from '../src/db/sql';
import { toGlobalId } from '../src/lib/ids';
import { seedDatabase } from '../src/seed/seed';
import { freePort, startChild, stopAllChildren, waitUntilReady, type Child } from './children';
import type { BenchFixtures, ReferenceOffer } from './fixtures';
import { runLoad, type LoadResult } from './load';
import { pageScenario, referenceScenario } from './scenarios';
import { BENCH_METRICS_TOKEN } from './verify';
import { cpuMicros, mariadbPid } from './proc';

/**
 * Scenario (a) alone, against the reference, at a chosen scale, with CPU per request (issue 18):
 * `npm run bench:read`. Rounds alternate reference and hub on the same machine; each window reports
 * req/s, and the CPU time the hub (or the reference) and MariaDB spent during it (from /proc), divided
 * by the requests completed. The machine is shared: read the spread of the rounds, not one figure.
 *
 * Env: BENCH_READ_DATABASE_URL (mysql://root@127.0.0.1:3306/passerelle_bench_read), BENCH_READ_OFFERS
 * (200000, a quarter ACTIVE; seeded when the database holds fewer), BENCH_READ_ROUNDS (3),
 * BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10), BENCH_READ_LABEL (a label for
 * the output line).
 */

const RESULTS_DIR = path.join(__dirname, 'results');
const UNLIMITED_RATE = '1000000';

function numberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a positive number, got ${value}`);
  return n;
}

const PUBLIC = `o.status = 'ACTIVE' AND (o.valid_through IS NULL OR o.valid_through > ?) AND (o.partner_id IS NULL OR o.partner_id NOT IN (SELECT p.id FROM partner p WHERE p.status = 'SUSPENDED'))`;

async function fixturesOf(dataSource: DataSource): Promise<BenchFixtures> {
  const now = toDbDateTime(new Date());
  const pairs: Array<{ department: string | null; contract: string; n: number }> = await dataSource.query(
    `SELECT o.department_code AS department, o.contract_type AS contract, COUNT(*) AS n FROM offer o WHERE ${PUBLIC} GROUP BY o.department_code, o.contract_type`,
    [now],
  );
  const tally = (key: (p: (typeof pairs)[number]) => string | null) => {
    const totals = new Map<string, number>();
    for (const p of pairs) {
      const k = key(p);
      if (k !== null) totals.set(k, (totals.get(k) ?? 0) + Number(p.n));
    }
    return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  };
  const rows: Array<{ id: number; title: string; published_at: Date; city: string | null; partner_id: number }> = await dataSource.query(
    `SELECT o.id, o.title, o.published_at, o.city, o.partner_id FROM offer o WHERE ${PUBLIC} AND o.partner_id IS NOT NULL ORDER BY o.published_at DESC, o.id DESC LIMIT 20`,
    [now],
  );
  const partners: Array<{ id: number; name: string }> = await dataSource.query(
    `SELECT id, name FROM partner WHERE id IN (${rows.map(() => '?').join(', ')})`,
    rows.map((r) => r.partner_id),
  );
  const partnerName = new Map(partners.map((p) => [Number(p.id), p.name]));
  const referenceOffers: ReferenceOffer[] = rows.map((r) => ({
    id: toGlobalId('Offer', Number(r.id)),
    title: r.title,
    publishedAt: r.published_at.toISOString(),
    location: { city: r.city },
    partner: { name: partnerName.get(Number(r.partner_id)) ?? '' },
  }));
  return {
    departmentCodes: tally((p) => p.department).slice(0, 30),
    contractTypes: tally((p) => p.contract).slice(0, 3),
    keywords: [],
    coldKeywords: [],
    publicOffers: pairs.reduce((sum, p) => sum + Number(p.n), 0),
    deepPage: 0,
    deepCursor: '',
    deepPageFirstId: '',
    firstPageFirstId: '',
    referenceOffers,
  };
}

async function startHub(databaseUrl: string): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = startChild(
    'hub',
    'src/main.ts',
    {
      DATABASE_URL: databaseUrl,
      SEED_DEMO: 'false',
      NODE_ENV: 'production',
      LOG_SQL: 'false',
      PORT: String(port),
      RATE_LIMIT_PUBLIC_PER_SECOND: UNLIMITED_RATE,
      RATE_LIMIT_PUBLIC_BURST: UNLIMITED_RATE,
      RATE_LIMIT_KEY_PER_SECOND: UNLIMITED_RATE,
      RATE_LIMIT_KEY_BURST: UNLIMITED_RATE,
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      // The read path itself, not the anonymous response cache (as every benchmark: bench/hub.ts).
      RESPONSE_CACHE_SECONDS: process.env.BENCH_RESPONSE_CACHE_SECONDS ?? '0',
    },
    path.join(RESULTS_DIR, 'hub.log'),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).ok, 90_000);
  return { url: `${base}/graphql`, child };
}

async function startReference(fixtures: BenchFixtures): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const env = { PORT: String(port), NODE_ENV: 'production', REFERENCE_OFFERS_JSON: JSON.stringify(fixtures.referenceOffers) };
  const child = startChild('reference', 'bench/reference-server.ts', env, path.join(RESULTS_DIR, 'reference.log'));
  const url = `http://127.0.0.1:${port}/`;
  const probe = async () =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' })).ok;
  await waitUntilReady(child, probe, 90_000);
  return { url, child };
}

interface Window {
  reqPerSec: number;
  p99: number;
  serverCpuMicrosPerReq: number;
  mariadbCpuMicrosPerReq: number;
}

async function window(url: string, child: Child, bodies: string[], mariadb: number): Promise<Window> {
  const connections = Math.round(numberEnv('BENCH_CONNECTIONS', 10));
  const load = { url, bodies, connections, timeoutSeconds: 10 };
  await runLoad({ ...load, seconds: numberEnv('BENCH_WARMUP_SECONDS', 3) });
  const pid = child.process.pid!;
  const [server0, db0] = [cpuMicros(pid), cpuMicros(mariadb)];
  const result: LoadResult = await runLoad({ ...load, seconds: numberEnv('BENCH_SECONDS', 10) });
  const [server1, db1] = [cpuMicros(pid), cpuMicros(mariadb)];
  if (result.non2xx || result.errors || result.graphqlErrors)
    throw new Error(`errors under load: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.firstGraphqlError ?? ''}`);
  return {
    reqPerSec: result.requestsPerSecond,
    p99: result.p99,
    serverCpuMicrosPerReq: (server1 - server0) / result.completed,
    mariadbCpuMicrosPerReq: (db1 - db0) / result.completed,
  };
}

const range = (xs: number[], digits = 0) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)} (median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(digits)})`;

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_READ_DATABASE_URL || 'mysql://root@127.0.0.1:3306/passerelle_bench_read';
  const config = parseDatabaseUrl(databaseUrl);
  if (config.type !== 'mysql') throw new Error('BENCH_READ_DATABASE_URL must be a mysql:// URL');
  const totalOffers = Math.round(numberEnv('BENCH_READ_OFFERS', 200_000));
  const rounds = Math.round(numberEnv('BENCH_READ_ROUNDS', 3));
  const dataSource = await openDatabase(config);
  let fixtures: BenchFixtures;
  try {
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM offer');
    if (Number(n) < totalOffers) {
      console.log(`Seeding ${totalOffers} offers into ${config.database}`);
      await seedDatabase(dataSource, { totalOffers, activeShare: 0.25 });
      await dataSource.query('ANALYZE TABLE offer, partner');
    }
    fixtures = await fixturesOf(dataSource);
  } finally {
    await dataSource.destroy();
  }
  console.log(`${fixtures.publicOffers} public offers`);
  const mariadb = mariadbPid();
  if (mariadb === null) throw new Error('No mariadbd/mysqld process visible in /proc');
  const hubBodies = pageScenario(fixtures).bodies;
  const referenceBodies = referenceScenario(fixtures).bodies;
  const hubs: Window[] = [];
  const references: Window[] = [];
  const reference = await startReference(fixtures);
  const hub = await startHub(databaseUrl);
  try {
    for (let round = 0; round < rounds; round++) {
      const r = await window(reference.url, reference.child, referenceBodies, mariadb);
      const h = await window(hub.url, hub.child, hubBodies, mariadb);
      references.push(r);
      hubs.push(h);
      console.log(
        `round ${round + 1}: reference ${r.reqPerSec.toFixed(0)} req/s (${r.serverCpuMicrosPerReq.toFixed(0)} µs CPU/req); ` +
          `hub ${h.reqPerSec.toFixed(0)} req/s, p99 ${h.p99} ms, hub ${h.serverCpuMicrosPerReq.toFixed(0)} µs CPU/req, ` +
          `MariaDB ${h.mariadbCpuMicrosPerReq.toFixed(0)} µs CPU/req; ratio ${(h.reqPerSec / r.reqPerSec).toFixed(2)}`,
      );
    }
  } finally {
    await stopAllChildren();
  }
  const label = process.env.BENCH_READ_LABEL ?? '';
  console.log(
    `\n(a) ${label} ${totalOffers} offers, ${rounds} rounds: hub ${range(hubs.map((h) => h.reqPerSec))} req/s; ` +
      `hub CPU ${range(hubs.map((h) => h.serverCpuMicrosPerReq))} µs/req; MariaDB CPU ${range(hubs.map((h) => h.mariadbCpuMicrosPerReq))} µs/req; ` +
      `reference ${range(references.map((r) => r.reqPerSec))} req/s (${range(references.map((r) => r.serverCpuMicrosPerReq))} µs/req); ` +
      `ratio ${range(
        hubs.map((h, i) => h.reqPerSec / references[i].reqPerSec),
        2,
      )}`,
  );
}

main().catch(async (err) => {
  console.error(err);
  await stopAllChildren();
  process.exit(1);
});
