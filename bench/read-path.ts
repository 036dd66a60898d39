import 'reflect-metadata';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDatabase } from '../src/seed/seed';
import { stopAllChildren, type Child } from './children';
import { startBenchHub, startReferenceServer } from './hub';
import { loadDeepPageFixtures, loadPageFixtures, type BenchFixtures } from './fixtures';
import { runLoad, type LoadResult } from './load';
import { hubScenarios, pageScenario, referenceScenario } from './scenarios';
import { cpuMicros, mariadbPid } from './proc';
import { positiveNumberEnv } from './env';

/**
 * Scenario (a) alone, against the reference, at a chosen scale, with CPU per request (issue 18):
 * `npm run bench:read`. Rounds alternate reference and hub on the same machine; each window reports
 * req/s, and the CPU time the hub (or the reference) and MariaDB spent during it (from /proc), divided
 * by the requests completed. The machine is shared: read the spread of the rounds, not one figure.
 *
 * Env: BENCH_READ_DATABASE_URL (mysql://root@127.0.0.1:3306/passerelle_bench_read), BENCH_READ_OFFERS
 * (200000, a quarter ACTIVE; seeded when the database holds fewer), BENCH_READ_ROUNDS (3),
 * BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10), BENCH_READ_LABEL (a label for
 * the output line), BENCH_READ_SCENARIO (a; d: page 1 against page 5,000 by cursor, both on the hub).
 */

const RESULTS_DIR = path.join(__dirname, 'results');

async function fixturesOf(dataSource: DataSource): Promise<BenchFixtures> {
  return { ...(await loadPageFixtures(dataSource)), keywords: [], coldKeywords: [], ...(await loadDeepPageFixtures(dataSource)) };
}

/**
 * The two windows each round compares: (a) against the reference, or, with BENCH_READ_SCENARIO=d,
 * page 1 (d0) against page 5,000 by cursor (d), both on the hub.
 */
function pairOf(
  scenario: string,
  fixtures: BenchFixtures,
): { names: [string, string]; bodies: [string[], string[]]; onHub: [boolean, boolean] } {
  if (scenario === 'd') {
    const byId = new Map(hubScenarios(fixtures).map((s) => [s.id, s.bodies]));
    return { names: ['d0', 'd'], bodies: [byId.get('d0')!, byId.get('d')!], onHub: [true, true] };
  }
  if (scenario !== 'a') throw new Error(`BENCH_READ_SCENARIO must be a or d, got ${scenario}`);
  return { names: ['reference', 'hub'], bodies: [referenceScenario(fixtures).bodies, pageScenario(fixtures).bodies], onHub: [false, true] };
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
  const connections = Math.round(positiveNumberEnv('BENCH_CONNECTIONS', 10));
  const load = { url, bodies, connections, timeoutSeconds: 10 };
  await runLoad({ ...load, seconds: positiveNumberEnv('BENCH_WARMUP_SECONDS', 3) });
  const pid = child.process.pid!;
  const [server0, db0] = [cpuMicros(pid), cpuMicros(mariadb)];
  const result: LoadResult = await runLoad({ ...load, seconds: positiveNumberEnv('BENCH_SECONDS', 10) });
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
  const totalOffers = Math.round(positiveNumberEnv('BENCH_READ_OFFERS', 200_000));
  const rounds = Math.round(positiveNumberEnv('BENCH_READ_ROUNDS', 3));
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
  const scenario = process.env.BENCH_READ_SCENARIO || 'a';
  const pair = pairOf(scenario, fixtures);
  const results: [Window[], Window[]] = [[], []];
  const reference = pair.onHub[0] ? null : await startReference(fixtures);
  const hub = await startHub(databaseUrl);
  const servers = pair.onHub.map((onHub) => (onHub ? hub : reference!));
  try {
    for (let round = 0; round < rounds; round++) {
      const first = await window(servers[0].url, servers[0].child, pair.bodies[0], mariadb);
      const second = await window(servers[1].url, servers[1].child, pair.bodies[1], mariadb);
      results[0].push(first);
      results[1].push(second);
      const line = (name: string, w: Window) =>
        `${name} ${w.reqPerSec.toFixed(0)} req/s, p99 ${w.p99} ms, server ${w.serverCpuMicrosPerReq.toFixed(0)} µs CPU/req, MariaDB ${w.mariadbCpuMicrosPerReq.toFixed(0)} µs CPU/req`;
      console.log(
        `round ${round + 1}: ${line(pair.names[0], first)}; ${line(pair.names[1], second)}; ratio ${pair.names[1]}/${pair.names[0]} ${(second.reqPerSec / first.reqPerSec).toFixed(2)}`,
      );
    }
  } finally {
    await stopAllChildren();
  }
  const label = process.env.BENCH_READ_LABEL ?? '';
  const summary = (name: string, ws: Window[]) =>
    `${name} ${range(ws.map((w) => w.reqPerSec))} req/s, server CPU ${range(ws.map((w) => w.serverCpuMicrosPerReq))} µs/req, MariaDB CPU ${range(ws.map((w) => w.mariadbCpuMicrosPerReq))} µs/req`;
  console.log(
    `\n(${scenario}) ${label} ${totalOffers} offers, ${rounds} rounds: ${summary(pair.names[0], results[0])}; ${summary(pair.names[1], results[1])}; ` +
      `ratio ${pair.names[1]}/${pair.names[0]} ${range(
        results[1].map((w, i) => w.reqPerSec / results[0][i].reqPerSec),
        2,
      )}`,
  );
}

main().catch(async (err) => {
  console.error(err);
  await stopAllChildren();
  process.exit(1);
});
