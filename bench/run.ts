import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopAllChildren, type Child } from './children';
import { startBenchHub, startReferenceServer } from './hub';
import type { DataSource } from 'typeorm';
import { benchDatabase, busyConnections, killStatements, prepareBenchDatabase, warmBufferPool } from './database';
import { loadFixtures, type BenchFixtures } from './fixtures';
import { runLoad, stopLoad, type LoadResult } from './load';
import { judge, notesOf, problemsOf, toMarkdown, type BenchReport, type Machine, type ScenarioResult } from './report';
import { cachedPageScenario, hubScenarios, pageScenario, referenceScenario, type Scenario } from './scenarios';
import { cpuPerRequest, mariadbPid, sampleCpu } from './proc';
import { readSqlCounter, verifyScenario } from './verify';
import { sizeBufferPool, sizeRedoLog } from './mariadb';
import { startPusher, type PushStats } from './pusher';
import { getReferentials } from '../src/referentials/referential.service';
import { positiveNumberEnv } from './env';

const USAGE = `Usage: npm run bench [-- --reseed] [-- --no-candidates]
  --reseed          drop the benchmark database and seed it again (otherwise 1,000,000 offers are reused)
  --no-candidates   skip the candidate-search benchmark that follows the offer scenarios
                    (issue 4's; also alone as npm run bench:candidates)
Env: BENCH_DATABASE_URL (default mysql://root@127.0.0.1:3306/passerelle_bench), BENCH_SECONDS (measured
window per scenario, default 10), BENCH_WARMUP_SECONDS (default 3), BENCH_CONNECTIONS (default 10),
BENCH_TIMEOUT_SECONDS (a request is abandoned after, default 10), BENCH_DRAIN_SECONDS (wait for the
statements of abandoned requests to finish before interrupting them, default 20), BENCH_CACHED_RESPONSE_SECONDS
(the response cache of the second hub, scenario (a, cached), default 2).`;

const RESULTS_DIR = path.join(__dirname, 'results');
/** The hub's AGENCY key for this run: (bw)'s pusher creates its partner and key with it. */
const ADMIN_KEY = `bench-admin-${process.pid}-${Date.now()}`;

function log(line: string): void {
  console.log(line);
}

async function machine(mariadb: string, bufferPoolMiB: number, loadAverageAtStart: number): Promise<Machine> {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    node: process.version,
    mariadb,
    bufferPoolMiB,
    loadAverage: { start: loadAverageAtStart, end: os.loadavg()[0] },
  };
}

/** HEAD, and the hub files that differ from it (the run measures the working tree). */
function codeVersion(): BenchReport['code'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 10_000 }).trim();
  try {
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src', 'resolvers', 'entities', 'schema', 'package.json'], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 10_000,
    });
    const uncommitted = changed
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit: git('rev-parse', 'HEAD'), uncommitted };
  } catch {
    return { commit: 'unknown (not a git checkout)', uncommitted: [] };
  }
}

interface Target {
  url: string;
  metricsUrl: string | null;
  child: Child;
}

/** A hub child (bench/hub.ts) with the response cache at `responseCacheSeconds` (0: off, as in every scenario but (a, cached)). */
async function startHubChild(databaseUrl: string, responseCacheSeconds: string, logName = 'hub'): Promise<Target> {
  const hub = await startBenchHub(databaseUrl, ADMIN_KEY, path.join(RESULTS_DIR, `${logName}.log`), {
    RESPONSE_CACHE_SECONDS: responseCacheSeconds,
  });
  return { url: hub.graphqlUrl, metricsUrl: `${hub.base}/metrics`, child: hub.child };
}

async function startReferenceChild(fixtures: BenchFixtures): Promise<Target> {
  const reference = await startReferenceServer(fixtures.referenceOffers, path.join(RESULTS_DIR, 'reference.log'));
  return { ...reference, metricsUrl: null };
}

/** What measuring needs besides the target: the settings, and a connection to watch the database with. */
interface MeasureContext {
  settings: BenchReport['settings'];
  fixtures: BenchFixtures;
  dataSource: DataSource;
  database: string;
  drainSeconds: number;
  /** mariadbd's pid, for its CPU per request (null: not visible in /proc). */
  mariadbPid: number | null;
}

/** What a drain did: how long it waited, and how many leftover statements it interrupted. */
interface Drained {
  seconds: number;
  killed: number;
}

/**
 * Waits until the hub has no statement running nor queued: requests that autocannon abandoned (end of
 * a window, timeouts) leave their SQL running, and it would slow the next measure. After
 * BENCH_DRAIN_SECONDS, what still runs is interrupted with KILL QUERY (the hub then logs errors for
 * requests nobody waits for any more).
 */
async function drain(target: Target, ctx: MeasureContext): Promise<Drained> {
  const started = Date.now();
  let killed = 0;
  if (!target.metricsUrl) {
    await sleep(300);
    return { seconds: (Date.now() - started) / 1000, killed };
  }
  let lastCount = await readSqlCounter(target.metricsUrl);
  let quietPolls = 0;
  const giveUpAt = started + (ctx.drainSeconds + 60) * 1000;
  while (Date.now() < giveUpAt) {
    await sleep(250);
    const busy = await busyConnections(ctx.dataSource, ctx.database);
    const count = await readSqlCounter(target.metricsUrl);
    quietPolls = busy.length === 0 && count === lastCount ? quietPolls + 1 : 0;
    lastCount = count;
    if (quietPolls >= 2) return { seconds: (Date.now() - started) / 1000, killed };
    if (busy.length && Date.now() - started > ctx.drainSeconds * 1000) {
      await killStatements(ctx.dataSource, busy);
      killed += busy.length;
    }
  }
  log(`  the database was still busy with earlier statements after ${((Date.now() - started) / 1000).toFixed(0)} s; going on`);
  return { seconds: (Date.now() - started) / 1000, killed };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** (bw): seconds the pusher runs alone before the window, to tell its own cost. */
const PUSHES_ALONE_SECONDS = 5;
/**
 * (bw): pushes before the pushes-alone window starts. The first ones cost the hub several times
 * what the next ones do (the new key checked, the mutation path compiled: 94-162 ms of hub CPU a
 * second measured with them in the window, 37 ms a second for a warm hub), which is not what a
 * partner pushing all day costs.
 */
const PUSHES_BEFORE_ALONE = 3;

/** Offers of (bw) go to the benchmark's departments (a commune of each) and contract types. */
function pushedLocations(fixtures: BenchFixtures): { postalCodes: string[]; contractTypes: string[] } {
  const communes = getReferentials().allCommunes({ currentOnly: true });
  const postalCodes = fixtures.departmentCodes
    .map((department) => communes.find((c) => c.departmentCode === department && c.postalCodes.length)?.postalCodes[0])
    .filter((code): code is string => !!code);
  return { postalCodes, contractTypes: fixtures.contractTypes };
}

/** Verify, warm up, then measure one scenario; SQL/req from the hub's counter around the measured window. */
async function measure(target: Target, scenario: Scenario, ctx: MeasureContext): Promise<ScenarioResult> {
  const { settings } = ctx;
  log(`\n${scenario.label}: ${scenario.bodies.length} distinct request bodies`);
  const before = await drain(target, ctx);
  if (before.seconds > 2)
    log(`  waited ${before.seconds.toFixed(1)} s for the previous scenario's statements to finish; interrupted ${before.killed}`);
  const verification = await verifyScenario(target.url, target.metricsUrl, scenario);
  log(
    `  verified ${verification.checked} responses: edges ${verification.edges.join(', ')}; alone ${verification.milliseconds.join(', ')} ms` +
      (verification.sqlStatements ? `; SQL statements each: ${verification.sqlStatements.join(', ')}` : ''),
  );
  const slowBefore = target.child.slowQueries.length;
  const errorsBefore = target.child.errorLines.length;
  const load = { url: target.url, bodies: scenario.bodies, connections: settings.connections, timeoutSeconds: settings.timeoutSeconds };
  const warmup = await runLoad({ ...load, seconds: settings.warmupSeconds });
  log(`  warm-up ${settings.warmupSeconds} s: ${warmup.requestsPerSecond.toFixed(1)} req/s (discarded)`);
  // sendOnce ((c, cold)): the window goes on where the warm-up stopped, no body sent twice.
  const startAt = scenario.sendOnce ? warmup.bodiesSent : 0;
  const afterWarmup = await drain(target, ctx);
  if (afterWarmup.seconds > 2)
    log(`  waited ${afterWarmup.seconds.toFixed(1)} s for the warm-up's cut-off requests to finish; interrupted ${afterWarmup.killed}`);
  // (bw): a partner pushes during the measured window (started after the drain, which waits for
  // the hub to be quiet); its offers are withdrawn after.
  const pusher = scenario.pushOffers
    ? await startPusher({ url: target.url, adminKey: ADMIN_KEY, size: scenario.pushOffers, ...pushedLocations(ctx.fixtures) })
    : null;
  let pushes: PushStats | undefined;
  let sqlBefore: number | null, result: LoadResult, sqlAfter: number | null;
  let cpu: ScenarioResult['cpu'];
  let pushesAlone: ScenarioResult['pushesAlone'];
  try {
    if (pusher) {
      // What the pushes cost with no read load: CPU of the hub and of MariaDB a second, once warm.
      await pusher.pushed(PUSHES_BEFORE_ALONE);
      const before = sampleCpu(target.child.process.pid!, ctx.mariadbPid);
      await new Promise((resolve) => setTimeout(resolve, PUSHES_ALONE_SECONDS * 1000));
      const after = sampleCpu(target.child.process.pid!, ctx.mariadbPid);
      pushesAlone = {
        seconds: PUSHES_ALONE_SECONDS,
        hubCpuMsPerSecond: Math.round((after.server - before.server) / 1000 / PUSHES_ALONE_SECONDS),
        mariadbCpuMsPerSecond:
          after.mariadb === null || before.mariadb === null
            ? null
            : Math.round((after.mariadb - before.mariadb) / 1000 / PUSHES_ALONE_SECONDS),
      };
      log(
        `  pushes alone (${PUSHES_ALONE_SECONDS} s after ${PUSHES_BEFORE_ALONE} pushes, no reads): hub ${pushesAlone.hubCpuMsPerSecond} ms CPU/s, MariaDB ${pushesAlone.mariadbCpuMsPerSecond ?? '—'} ms CPU/s`,
      );
    }
    sqlBefore = target.metricsUrl ? await readSqlCounter(target.metricsUrl) : null;
    const cpuBefore = sampleCpu(target.child.process.pid!, ctx.mariadbPid);
    result = await runLoad({ ...load, startAt, seconds: settings.measuredSeconds });
    cpu = cpuPerRequest(cpuBefore, sampleCpu(target.child.process.pid!, ctx.mariadbPid), result.completed);
    sqlAfter = target.metricsUrl ? await readSqlCounter(target.metricsUrl) : null;
  } finally {
    pushes = await pusher?.stop();
  }
  if (pushes)
    log(
      `  pushes: ${pushes.pushes} of ${pushes.offersPerPush} offers, ${pushes.meanMs} ms on average, ${pushes.maxMs} ms at most, ${pushes.failures} failed`,
    );
  const sqlPerRequest = sqlBefore !== null && sqlAfter !== null && result.completed > 0 ? (sqlAfter - sqlBefore) / result.completed : null;
  log(
    `  measured ${result.seconds} s: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, ` +
      `max ${result.max} ms, ${result.completed} completed, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, ` +
      `GraphQL errors ${result.graphqlErrors}` +
      (sqlPerRequest === null ? '' : `, ${sqlPerRequest.toFixed(2)} SQL/req`) +
      `, server CPU ${cpu.serverMicrosPerRequest?.toFixed(0) ?? '—'} µs/req, MariaDB CPU ${cpu.mariadbMicrosPerRequest?.toFixed(0) ?? '—'} µs/req`,
  );
  const repeatedBodies = scenario.sendOnce ? warmup.repeatedBodies + result.repeatedBodies : undefined;
  if (scenario.sendOnce)
    log(
      `  ${warmup.bodiesSent} + ${result.bodiesSent} of ${scenario.bodies.length} bodies sent once each` +
        (repeatedBodies ? `; ${repeatedBodies} REPEATED (the list ran out: those may be cache hits)` : ''),
    );
  const slowQueryLines = target.child.slowQueries.slice(slowBefore);
  const errorLines = target.child.errorLines.slice(errorsBefore);
  if (slowQueryLines.length) log(`  the hub logged ${slowQueryLines.length} slow statements, e.g. ${slowQueryLines[0].slice(0, 300)}`);
  if (errorLines.length) log(`  the hub logged ${errorLines.length} error lines, e.g. ${errorLines[0].slice(0, 300)}`);
  return {
    id: scenario.id,
    label: scenario.label,
    target: scenario.target,
    distinctBodies: scenario.bodies.length,
    load: result,
    sqlPerRequest,
    cpu,
    ...(repeatedBodies !== undefined ? { repeatedBodies } : {}),
    ...(scenario.describeWindow ? { windowBodies: scenario.describeWindow(startAt, startAt + result.bodiesSent) } : {}),
    verification,
    drained: { beforeVerification: before, afterWarmup },
    slowQueryLines: slowQueryLines.slice(0, 20),
    errorLines: errorLines.slice(0, 20),
    ...(pushes ? { pushes } : {}),
    ...(pushesAlone ? { pushesAlone } : {}),
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--reseed' && a !== '--no-candidates');
  if (unknown.length) {
    console.error(`Unexpected argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const { url: databaseUrl, config } = benchDatabase();
  const bufferPool = sizeBufferPool();
  const redoLog = sizeRedoLog();
  console.log(`InnoDB buffer pool: ${Math.round(bufferPool / 1024 ** 2)} MiB, redo log ${Math.round(redoLog / 1024 ** 2)} MiB`);
  const settings: BenchReport['settings'] = {
    connections: Math.round(positiveNumberEnv('BENCH_CONNECTIONS', 10)),
    warmupSeconds: positiveNumberEnv('BENCH_WARMUP_SECONDS', 3),
    measuredSeconds: positiveNumberEnv('BENCH_SECONDS', 10),
    timeoutSeconds: positiveNumberEnv('BENCH_TIMEOUT_SECONDS', 10),
    databaseUrl,
  };
  const drainSeconds = positiveNumberEnv('BENCH_DRAIN_SECONDS', 20);
  const code = codeVersion();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const db = await prepareBenchDatabase(config, { reseed: args.includes('--reseed'), log });
  try {
    const fixturesStarted = Date.now();
    const fixtures = await loadFixtures(db.dataSource, log);
    const fixturesSeconds = (Date.now() - fixturesStarted) / 1000;
    log(
      `Fixtures read in ${fixturesSeconds.toFixed(1)} s: ${fixtures.publicOffers.toLocaleString('en')} public offers; ` +
        `departments ${fixtures.departmentCodes.join(' ')}; contracts ${fixtures.contractTypes.join(' ')}; keywords ${fixtures.keywords.join(', ')}`,
    );
    const warmSeconds = await warmBufferPool(db.dataSource, fixtures.keywords, log);
    const [{ v: mariadb, pool }] = await db.dataSource.query('SELECT VERSION() AS v, @@innodb_buffer_pool_size AS pool');
    const ctx: MeasureContext = {
      settings,
      fixtures,
      dataSource: db.dataSource,
      database: config.database,
      drainSeconds,
      mariadbPid: mariadbPid(),
    };
    if (ctx.mariadbPid === null) log('No mariadbd/mysqld in /proc: MariaDB CPU per request not measured');

    const results: ScenarioResult[] = [];
    // BENCH_SCENARIOS=b,bw: only these (and no reference or (a) unless named); latest.md is then left as it was.
    const only = process.env.BENCH_SCENARIOS ? new Set(process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim())) : null;
    const selected = (id: string) => only === null || only.has(id);
    const loadAverageAtStart = os.loadavg()[0];
    // The reference first, then (a) right after it: the two figures compared see the same machine.
    if (selected('reference')) {
      const reference = await startReferenceChild(fixtures);
      log(`\nReference Apollo Server started (${reference.url})`);
      try {
        results.push(await measure(reference, referenceScenario(fixtures), ctx));
      } finally {
        await reference.child.stop();
      }
    }
    const hub = await startHubChild(databaseUrl, process.env.BENCH_RESPONSE_CACHE_SECONDS ?? '0');
    log(`\nHub started (${hub.url})`);
    try {
      if (selected('a')) results.push(await measure(hub, pageScenario(fixtures), ctx));
      // (a, cached): (a)'s bodies against a second hub with the response cache on, while the first
      // idles, close to the reference too; then the first hub goes on.
      if (selected('ac')) {
        const cacheSeconds = positiveNumberEnv('BENCH_CACHED_RESPONSE_SECONDS', 2);
        const cached = await startHubChild(databaseUrl, String(cacheSeconds), 'hub-cached');
        log(`\nHub with RESPONSE_CACHE_SECONDS=${cacheSeconds} started (${cached.url})`);
        try {
          results.push(await measure(cached, cachedPageScenario(fixtures, cacheSeconds), ctx));
        } finally {
          await cached.child.stop();
        }
      }
      for (const scenario of hubScenarios(fixtures)) if (selected(scenario.id)) results.push(await measure(hub, scenario, ctx));
    } finally {
      await hub.child.stop();
    }

    const order = ['a', 'ac', 'b', 'bw', 'c', 'c0', 'd0', 'd', 'reference'];
    results.sort((x, y) => order.indexOf(x.id) - order.indexOf(y.id));
    const problems = problemsOf(results);
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: await machine(String(mariadb), Math.round(Number(pool) / 1024 ** 2), loadAverageAtStart),
      settings,
      code,
      database: {
        offers: db.offerCount,
        publicOffers: fixtures.publicOffers,
        seedSeconds: db.seedSeconds,
        analyzeSeconds: db.analyzeSeconds,
        fixturesSeconds,
        warmSeconds,
      },
      fixtures: {
        departmentCodes: fixtures.departmentCodes,
        contractTypes: fixtures.contractTypes,
        keywords: fixtures.keywords,
        deepCursor: fixtures.deepCursor,
      },
      results,
      ...judge(results),
      valid: problems.length === 0,
      problems,
      notes: notesOf(results, settings.timeoutSeconds),
    };
    if (only) {
      // A partial run is for trying a change: its table is printed, and kept apart from latest.*.
      fs.writeFileSync(path.join(RESULTS_DIR, 'partial.json'), JSON.stringify(report, null, 2) + '\n');
      log(
        '\n' +
          toMarkdown(report) +
          `\nBENCH_SCENARIOS=${process.env.BENCH_SCENARIOS}: partial run, written to bench/results/partial.json only`,
      );
      return report.valid ? 0 : 1;
    }
    return writeReport(report);
  } finally {
    await db.dataSource.destroy();
  }
}

/** Writes latest.json, and latest.md unless the run is invalid; prints the table. Returns the exit code. */
function writeReport(report: BenchReport): number {
  const markdown = toMarkdown(report);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  log('\n' + markdown);
  if (report.notes.length) log(`Notes:\n- ${report.notes.join('\n- ')}\n`);
  if (!report.valid) {
    // Keep the previous latest.md: these figures must not reach the README.
    console.error(`INVALID RUN: errors under load; latest.md left as it was.\n${report.problems.join('\n')}`);
    return 1;
  }
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown);
  log(`Written bench/results/latest.json and bench/results/latest.md`);
  return 0;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error('\nSIGINT: stopping the load and the servers');
  stopLoad();
  void stopAllChildren().finally(() => process.exit(130));
});

main()
  .catch((err) => {
    console.error('Benchmark failed:', err instanceof Error ? err.message : err);
    return 1;
  })
  .then(async (code) => {
    await stopAllChildren();
    if (code === 0 && !interrupted && !process.argv.includes('--no-candidates')) code = runCandidateBenchmark();
    process.exit(code);
  });

/** The candidate-search benchmark (bench/candidates.ts), run after the offer scenarios; its exit code. */
function runCandidateBenchmark(): number {
  log('\nCandidate search benchmark (npm run bench:candidates)...');
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'candidates.ts')], {
    cwd: path.join(__dirname, '..'),
    stdio: 'inherit',
  });
  return result.status ?? 1;
}
