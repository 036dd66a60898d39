import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startChild, stopAllChildren, waitUntilReady, type Child } from './children';
import { benchDatabase, prepareBenchDatabase } from './database';
import { loadFixtures, type BenchFixtures } from './fixtures';
import { runLoad, stopLoad } from './load';
import { judge, problemsOf, toMarkdown, type BenchReport, type Machine, type ScenarioResult } from './report';
import { hubScenarios, referenceScenario, type Scenario } from './scenarios';
import { readSqlCounter, verifyScenario } from './verify';

const USAGE = `Usage: npm run bench [-- --reseed]
  --reseed   drop the benchmark database and seed it again (otherwise 1,000,000 offers are reused)
Env: BENCH_DATABASE_URL (default mysql://root@127.0.0.1:3306/passerelle_bench), BENCH_SECONDS (measured
window per scenario, default 10), BENCH_WARMUP_SECONDS (default 3), BENCH_CONNECTIONS (default 10).`;

const RESULTS_DIR = path.join(__dirname, 'results');
/** Startup includes swc compiling the hub on the fly. */
const READY_TIMEOUT_MS = 90_000;

function positiveNumber(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a positive number, got ${value}`);
  return n;
}

function log(line: string): void {
  console.log(line);
}

async function machine(mariadb: string): Promise<Machine> {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return { cpus: os.availableParallelism(), cpuModel, node: process.version, mariadb };
}

/** HEAD, and the hub files that differ from it (the run measures the working tree). */
function codeVersion(): BenchReport['code'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 10_000 }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src', 'resolvers', 'entities', 'schema', 'package.json');
    return { commit: git('rev-parse', 'HEAD'), uncommitted: changed ? changed.split('\n').map((l) => l.slice(3)) : [] };
  } catch {
    return { commit: 'unknown (not a git checkout)', uncommitted: [] };
  }
}

interface Target {
  url: string;
  metricsUrl: string | null;
  child: Child;
}

async function startHubChild(databaseUrl: string): Promise<Target> {
  const port = await freePort();
  const child = startChild(
    'hub',
    'src/main.ts',
    { DATABASE_URL: databaseUrl, SEED_DEMO: 'false', NODE_ENV: 'production', LOG_SQL: 'false', PORT: String(port) },
    path.join(RESULTS_DIR, 'hub.log'),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).ok, READY_TIMEOUT_MS);
  return { url: `${base}/graphql`, metricsUrl: `${base}/metrics`, child };
}

async function startReferenceChild(fixtures: BenchFixtures): Promise<Target> {
  const port = await freePort();
  const env = { PORT: String(port), NODE_ENV: 'production', REFERENCE_OFFERS_JSON: JSON.stringify(fixtures.referenceOffers) };
  const child = startChild('reference', 'bench/reference-server.ts', env, path.join(RESULTS_DIR, 'reference.log'));
  const url = `http://127.0.0.1:${port}/`;
  const probe = async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{__typename}"}',
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  };
  await waitUntilReady(child, probe, READY_TIMEOUT_MS);
  return { url, metricsUrl: null, child };
}

/** Verify, warm up, then measure one scenario; SQL/req from the hub's counter around the measured window. */
async function measure(target: Target, scenario: Scenario, settings: BenchReport['settings']): Promise<ScenarioResult> {
  log(`\n${scenario.label}: ${scenario.bodies.length} distinct request bodies`);
  const verification = await verifyScenario(target.url, target.metricsUrl, scenario);
  log(
    `  verified ${verification.checked} responses: edges ${verification.edges.join(', ')}` +
      (verification.sqlStatements ? `; SQL statements each: ${verification.sqlStatements.join(', ')}` : ''),
  );
  const slowBefore = target.child.slowQueries.length;
  const errorsBefore = target.child.errorLines.length;
  const load = { url: target.url, bodies: scenario.bodies, connections: settings.connections };
  const warmup = await runLoad({ ...load, seconds: settings.warmupSeconds });
  log(`  warm-up ${settings.warmupSeconds} s: ${warmup.requestsPerSecond.toFixed(0)} req/s (discarded)`);
  await new Promise((r) => setTimeout(r, 300)); // let requests cut off by the warm-up's end finish
  const sqlBefore = target.metricsUrl ? await readSqlCounter(target.metricsUrl) : null;
  const result = await runLoad({ ...load, seconds: settings.measuredSeconds });
  const sqlAfter = target.metricsUrl ? await readSqlCounter(target.metricsUrl) : null;
  const sqlPerRequest = sqlBefore !== null && sqlAfter !== null && result.completed > 0 ? (sqlAfter - sqlBefore) / result.completed : null;
  log(
    `  measured ${result.seconds} s: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, max ${result.max} ms, ` +
      `${result.completed} completed, non-2xx ${result.non2xx}, errors ${result.errors}, GraphQL errors ${result.graphqlErrors}` +
      (sqlPerRequest === null ? '' : `, ${sqlPerRequest.toFixed(2)} SQL/req`),
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
    verification,
    slowQueryLines: slowQueryLines.slice(0, 20),
    errorLines: errorLines.slice(0, 20),
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--reseed');
  if (unknown.length) {
    console.error(`Unexpected argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const settings: BenchReport['settings'] = {
    connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 10)),
    warmupSeconds: positiveNumber('BENCH_WARMUP_SECONDS', 3),
    measuredSeconds: positiveNumber('BENCH_SECONDS', 10),
    databaseUrl: benchDatabase().url,
  };
  const code = codeVersion();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const { config } = benchDatabase();
  const db = await prepareBenchDatabase(config, { reseed: args.includes('--reseed'), log });
  let fixtures: BenchFixtures;
  let mariadb: string;
  try {
    const fixturesStarted = Date.now();
    fixtures = await loadFixtures(db.dataSource, log);
    log(
      `Fixtures read in ${((Date.now() - fixturesStarted) / 1000).toFixed(1)} s: ${fixtures.publicOffers.toLocaleString('en')} public offers; departments ${fixtures.departmentCodes.join(' ')}; contracts ${fixtures.contractTypes.join(' ')}`,
    );
    log(`Keywords (public matches): ${fixtures.keywords.map((k) => `${k} ${fixtures.keywordMatches[k]}`).join(', ')}`);
    const [{ v }] = await db.dataSource.query('SELECT VERSION() AS v');
    mariadb = String(v);
  } finally {
    await db.dataSource.destroy();
  }

  const results: ScenarioResult[] = [];
  const hub = await startHubChild(settings.databaseUrl);
  log(`Hub started (${hub.url})`);
  try {
    for (const scenario of hubScenarios(fixtures)) results.push(await measure(hub, scenario, settings));
  } finally {
    await hub.child.stop();
  }
  const reference = await startReferenceChild(fixtures);
  log(`\nReference Apollo Server started (${reference.url})`);
  try {
    results.push(await measure(reference, referenceScenario(fixtures), settings));
  } finally {
    await reference.child.stop();
  }

  const problems = problemsOf(results);
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: await machine(mariadb),
    settings,
    code,
    database: {
      offers: db.offerCount,
      publicOffers: fixtures.publicOffers,
      seedSeconds: db.seedSeconds,
      analyzeSeconds: db.analyzeSeconds,
    },
    fixtures: {
      departmentCodes: fixtures.departmentCodes,
      contractTypes: fixtures.contractTypes,
      keywords: fixtures.keywords,
      keywordMatches: fixtures.keywordMatches,
      deepCursor: fixtures.deepCursor,
    },
    results,
    ...judge(results),
    valid: problems.length === 0,
    problems,
  };
  const markdown = toMarkdown(report);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  log('\n' + markdown);
  if (!report.valid) {
    // Keep the previous latest.md: these figures must not reach the README.
    console.error(`INVALID RUN: errors under load; latest.md left as it was.\n${problems.join('\n')}`);
    return 1;
  }
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown);
  log(`Written ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'latest.json'))} and latest.md`);
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
    process.exit(code);
  });
