import 'reflect-metadata';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDatabase } from '../src/seed/seed';
import { stopAllChildren, type Child } from './children';
import { startBenchHub, startReferenceServer } from './hub';
import { loadPageFixtures, type BenchFixtures } from './fixtures';
import { runLoad, type LoadResult } from './load';
import { pageScenario, referenceScenario } from './scenarios';
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

function numberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a positive number, got ${value}`);
  return n;
}

async function fixturesOf(dataSource: DataSource): Promise<BenchFixtures> {
  return {
    ...(await loadPageFixtures(dataSource)),
    keywords: [],
    coldKeywords: [],
    deepPage: 0,
    deepCursor: '',
    deepPageFirstId: '',
    firstPageFirstId: '',
  };
}

async function startHub(databaseUrl: string): Promise<{ url: string; child: Child }> {
  const hub = await startBenchHub(databaseUrl, null, path.join(RESULTS_DIR, 'hub.log'));
  return { url: hub.graphqlUrl, child: hub.child };
}

function startReference(fixtures: BenchFixtures): Promise<{ url: string; child: Child }> {
  return startReferenceServer(fixtures.referenceOffers, path.join(RESULTS_DIR, 'reference.log'));
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
