import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDatabaseUrl } from '../src/config';
import { dropMysqlDatabase, openDatabase } from '../src/db/data-source';
import { seedDatabase } from '../src/seed/seed';
import { stopAllChildren } from './children';
import { startBenchHub, type BenchHub } from './hub';
import { runLoad, type LoadResult } from './load';
import { OFFERS_PAGE_QUERY } from './scenarios';

/**
 * `npm run bench:cluster` (issue 17): how the public search's throughput scales from one hub
 * process to two on this machine, both sharing one MariaDB and one Redis (REDIS_URL). Rounds
 * alternate 1 and 2 processes (the machine is shared and noisy: compare within the run); each
 * round reports req/s, p50/p99, and the CPU the hub processes and MariaDB spent per request (from
 * /proc, steadier than req/s). With two processes the load is split over both, half the
 * connections each. Results: bench/results/cluster-latest.{json,md}.
 */

const DATABASE_URL = process.env.BENCH_CLUSTER_DATABASE_URL || 'mysql://root@127.0.0.1:3306/passerelle_bench_cluster';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const OFFERS = Number(process.env.BENCH_CLUSTER_OFFERS || 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS || 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS || 2);
const DEPARTMENTS = ['74', '01', '69', '75', '13', '33', '31', '44', '59', '67'];
const CONTRACTS = ['PERMANENT', 'FIXED_TERM', 'TEMPORARY'];

const RESULTS_DIR = path.join(__dirname, 'results');

/** utime + stime of a process, in microseconds (clock ticks of /proc/<pid>/stat). */
function cpuMicros(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

function mariadbPid(): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'mariadbd') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

function bodies(): string[] {
  const out: string[] = [];
  for (const department of DEPARTMENTS) {
    for (const contract of CONTRACTS) {
      out.push(
        JSON.stringify({
          query: OFFERS_PAGE_QUERY,
          variables: { first: 20, filter: { departmentCodes: [department], contractTypes: [contract] } },
        }),
      );
    }
  }
  return out;
}

interface Round {
  processes: number;
  requestsPerSecond: number;
  completed: number;
  p50: number;
  p99: number;
  hubCpuMicrosPerRequest: number;
  mariadbCpuMicrosPerRequest: number | null;
  non2xx: number;
  errors: number;
}

async function measure(hubs: BenchHub[], load: string[]): Promise<Round> {
  const split = Math.max(1, Math.floor(CONNECTIONS / hubs.length));
  const run = (seconds: number) =>
    Promise.all(hubs.map((hub) => runLoad({ url: hub.graphqlUrl, bodies: load, connections: split, seconds, timeoutSeconds: 10 })));
  await run(WARMUP);
  const db = mariadbPid();
  const pids = hubs.map((h) => h.child.process.pid!);
  const hubBefore = pids.map(cpuMicros);
  const dbBefore = db ? cpuMicros(db) : 0;
  const results: LoadResult[] = await run(SECONDS);
  const hubCpu = pids.map(cpuMicros).reduce((sum, v, i) => sum + v - hubBefore[i], 0);
  const dbCpu = db ? cpuMicros(db) - dbBefore : null;
  const completed = results.reduce((sum, r) => sum + r.completed, 0);
  return {
    processes: hubs.length,
    requestsPerSecond: Math.round(results.reduce((sum, r) => sum + r.requestsPerSecond, 0)),
    completed,
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    hubCpuMicrosPerRequest: Math.round(hubCpu / Math.max(1, completed)),
    mariadbCpuMicrosPerRequest: dbCpu === null ? null : Math.round(dbCpu / Math.max(1, completed)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

async function main(): Promise<void> {
  const config = parseDatabaseUrl(DATABASE_URL);
  if (config.type !== 'mysql' || !['127.0.0.1', 'localhost', '::1'].includes(config.host))
    throw new Error('BENCH_CLUSTER_DATABASE_URL must be a loopback MySQL/MariaDB URL');
  const log = (line: string) => console.log(`[bench:cluster] ${line}`);
  log(`seeding ${OFFERS.toLocaleString('en')} offers into ${config.database} (fresh database)`);
  await dropMysqlDatabase(config);
  const ds = await openDatabase(config);
  const seeded = await seedDatabase(ds, { totalOffers: OFFERS });
  await ds.destroy();
  log(`seeded: ${seeded.realOffers} real + ${seeded.generatedOffers} generated offers`);
  const adminKey = crypto.randomBytes(24).toString('hex');
  const env = { REDIS_URL, REDIS_PREFIX: `passerelle-bench-${crypto.randomBytes(3).toString('hex')}:` };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
  const hubs = [
    await startBenchHub(DATABASE_URL, adminKey, path.join(logDir, 'hub-1.log'), env),
    await startBenchHub(DATABASE_URL, adminKey, path.join(logDir, 'hub-2.log'), env),
  ];
  const load = bodies();
  const rounds: Round[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const processes of [1, 2]) {
        const result = await measure(hubs.slice(0, processes), load);
        rounds.push(result);
        log(
          `${processes} process(es): ${result.requestsPerSecond} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, hub ${result.hubCpuMicrosPerRequest} µs/req, MariaDB ${result.mariadbCpuMicrosPerRequest ?? '?'} µs/req, non-2xx ${result.non2xx}, errors ${result.errors}`,
        );
      }
    }
  } finally {
    await stopAllChildren();
  }
  const median = (processes: number) => {
    const values = rounds
      .filter((r) => r.processes === processes)
      .map((r) => r.requestsPerSecond)
      .sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const scaling = median(2) / median(1);
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
  const report = {
    when: new Date().toISOString(),
    machine: { cpu, cores: os.cpus().length },
    offers: OFFERS,
    seconds: SECONDS,
    connections: CONNECTIONS,
    rounds,
    scaling,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'cluster-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const lines = [
    `# bench:cluster, ${report.when} (${cpu}, ${os.cpus().length} cores; ${OFFERS.toLocaleString('en')} offers, ${CONNECTIONS} connections, ${SECONDS} s windows)`,
    '',
    '| processes | req/s | p50 ms | p99 ms | hub CPU µs/req | MariaDB CPU µs/req |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rounds.map(
      (r) =>
        `| ${r.processes} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.hubCpuMicrosPerRequest} | ${r.mariadbCpuMicrosPerRequest ?? '?'} |`,
    ),
    '',
    `Median req/s with 2 processes / with 1: **${scaling.toFixed(2)}×**.`,
  ];
  fs.writeFileSync(path.join(RESULTS_DIR, 'cluster-latest.md'), `${lines.join('\n')}\n`);
  log(`2 processes / 1: ${scaling.toFixed(2)}x (bench/results/cluster-latest.md)`);
  await dropMysqlDatabase(config);
}

main().catch(async (err) => {
  console.error(err);
  await stopAllChildren();
  process.exit(1);
});
