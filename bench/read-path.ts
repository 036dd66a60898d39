import 'reflect-metadata';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDatabase } from '../src/seed/seed';
import { stopAllChildren, type Child } from './children';
import { startBenchHub, startFloorServer, startReferenceServer } from './hub';
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
 * the output line), BENCH_READ_SCENARIO (a; d: page 1 against page 5,000 by cursor, both on the hub;
 * floor: the reference, node:http without GraphQL answering from memory and reading each page from
 * MariaDB, and the hub: what the machine allows (a) and (a, cached), contendersOf).
 */

const RESULTS_DIR = path.join(__dirname, 'results');

async function fixturesOf(dataSource: DataSource): Promise<BenchFixtures> {
  return {
    ...(await loadPageFixtures(dataSource)),
    keywords: [],
    coldKeywords: [],
    coldKeywordsFromTitles: 0,
    ...(await loadDeepPageFixtures(dataSource)),
  };
}

/** One server a round loads, with the request bodies it is sent. */
interface Contender {
  name: string;
  bodies: string[];
  start: () => Promise<{ url: string; child: Child }>;
}

/**
 * The windows each round runs, one after another; every ratio is to the first. (a): the reference,
 * then the hub. d: page 1 (d0) then page 5,000 by cursor (d), both on the hub. floor: the reference,
 * the floor servers (bench/floor-server.ts: node:http without GraphQL, answering from memory, then
 * reading each page from MariaDB), then the hub: what the machine itself allows (a) and (a, cached).
 */
function contendersOf(scenario: string, fixtures: BenchFixtures, databaseUrl: string): Contender[] {
  let hub: Promise<{ url: string; child: Child }> | null = null;
  const startHubOnce = () => (hub ??= startHub(databaseUrl));
  const reference = { name: 'reference', bodies: referenceScenario(fixtures).bodies, start: () => startReference(fixtures) };
  const pages = pageScenario(fixtures).bodies;
  if (scenario === 'd') {
    const byId = new Map(hubScenarios(fixtures).map((s) => [s.id, s.bodies]));
    return [
      { name: 'd0', bodies: byId.get('d0')!, start: startHubOnce },
      { name: 'd', bodies: byId.get('d')!, start: startHubOnce },
    ];
  }
  if (scenario === 'floor') {
    const floor = (mode: 'static' | 'mariadb') => () =>
      startFloorServer(mode, databaseUrl, fixtures.referenceOffers, path.join(RESULTS_DIR, `floor-${mode}.log`));
    return [
      reference,
      { name: 'bare http', bodies: pages, start: floor('static') },
      { name: 'bare http + MariaDB page', bodies: pages, start: floor('mariadb') },
      { name: 'hub', bodies: pages, start: startHubOnce },
    ];
  }
  if (scenario !== 'a') throw new Error(`BENCH_READ_SCENARIO must be a, d or floor, got ${scenario}`);
  return [reference, { name: 'hub', bodies: pages, start: startHubOnce }];
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
  /** This process's (autocannon's) CPU per request. */
  loadCpuMicrosPerReq: number;
}

async function window(url: string, child: Child, bodies: string[], mariadb: number): Promise<Window> {
  const connections = Math.round(positiveNumberEnv('BENCH_CONNECTIONS', 10));
  const load = { url, bodies, connections, timeoutSeconds: 10 };
  await runLoad({ ...load, seconds: positiveNumberEnv('BENCH_WARMUP_SECONDS', 3) });
  const pid = child.process.pid!;
  const [server0, db0, load0] = [cpuMicros(pid), cpuMicros(mariadb), process.cpuUsage()];
  const result: LoadResult = await runLoad({ ...load, seconds: positiveNumberEnv('BENCH_SECONDS', 10) });
  const [server1, db1, loadUsed] = [cpuMicros(pid), cpuMicros(mariadb), process.cpuUsage(load0)];
  if (result.non2xx || result.errors || result.graphqlErrors)
    throw new Error(`errors under load: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.firstGraphqlError ?? ''}`);
  return {
    reqPerSec: result.requestsPerSecond,
    p99: result.p99,
    serverCpuMicrosPerReq: (server1 - server0) / result.completed,
    mariadbCpuMicrosPerReq: (db1 - db0) / result.completed,
    loadCpuMicrosPerReq: (loadUsed.user + loadUsed.system) / result.completed,
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
  const contenders = contendersOf(scenario, fixtures, databaseUrl);
  const results: Window[][] = contenders.map(() => []);
  const line = (name: string, w: Window) =>
    `${name} ${w.reqPerSec.toFixed(0)} req/s, p99 ${w.p99} ms, server ${w.serverCpuMicrosPerReq.toFixed(0)} µs CPU/req, MariaDB ${w.mariadbCpuMicrosPerReq.toFixed(0)} µs CPU/req, load generator ${w.loadCpuMicrosPerReq.toFixed(0)} µs CPU/req`;
  try {
    const servers = [];
    for (const contender of contenders) servers.push(await contender.start());
    for (let round = 0; round < rounds; round++) {
      const lines: string[] = [];
      for (const [i, contender] of contenders.entries()) {
        const w = await window(servers[i].url, servers[i].child, contender.bodies, mariadb);
        results[i].push(w);
        const ratio = i === 0 ? '' : `, ${(w.reqPerSec / results[0][round].reqPerSec).toFixed(2)}x ${contenders[0].name}`;
        lines.push(line(contender.name, w) + ratio);
      }
      console.log(`round ${round + 1}:\n  ${lines.join('\n  ')}`);
    }
  } finally {
    await stopAllChildren();
  }
  const label = process.env.BENCH_READ_LABEL ?? '';
  const summary = (name: string, ws: Window[]) =>
    `${name} ${range(ws.map((w) => w.reqPerSec))} req/s, server CPU ${range(ws.map((w) => w.serverCpuMicrosPerReq))} µs/req, MariaDB CPU ${range(ws.map((w) => w.mariadbCpuMicrosPerReq))} µs/req, load generator ${range(ws.map((w) => w.loadCpuMicrosPerReq))} µs/req`;
  console.log(`\n(${scenario}) ${label} ${totalOffers} offers, ${rounds} rounds:`);
  for (const [i, contender] of contenders.entries()) {
    const ratio =
      i === 0
        ? ''
        : `; ${range(
            results[i].map((w, r) => w.reqPerSec / results[0][r].reqPerSec),
            2,
          )}x ${contenders[0].name}`;
    console.log(`  ${summary(contender.name, results[i])}${ratio}`);
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopAllChildren();
  process.exit(1);
});
