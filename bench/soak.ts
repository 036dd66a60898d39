import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import mysqlClient from 'mysql2/promise';
import { parseDatabaseUrl } from '../src/config';
import { dropMysqlDatabase, ensureMysqlDatabase } from '../src/db/data-source';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/seed/synthetic-offers';
import { stopAllChildren } from './children';
import { startBenchHub } from './hub';
import { HostileSender } from './hostile-sender';
import { HUB_MS_HEADER, readHubProbe } from './hub-probe';
import { overlapping, startLoopProbe } from './loop-probe';
import { mysql } from './mariadb';
import { prng } from '../src/lib/prng';
import { BENCH_METRICS_TOKEN } from './verify';

/**
 * `npm run bench:soak` (issue 14): mixed traffic on MariaDB for SOAK_SECONDS (300) from
 * SOAK_CLIENTS (10) concurrent clients (search 90 %, detail 9 %, ingestion 1 %, and 5 % hostile
 * requests in the mix: the issue's three shapes) while every MariaDB connection of the hub's
 * database is killed every SOAK_KILL_SECONDS (30). Reports p50/p99 per operation, errors by code,
 * 5xx outside the kills, the hub's RSS at start and end (its /metrics), whether it restarted,
 * hostile answers over 50 ms, and checks at the end that every acknowledged ingested offer is
 * stored. Targets: zero 5xx outside the kills, zero acknowledged offers lost, no restart, RSS
 * under 1 GB, hostile requests answered 4xx in under 50 ms.
 *
 * Hostile requests are sent and timed by a process of their own (bench/hostile-sender.ts), at the
 * turn of whichever client draws one; the kills go through an async MariaDB connection. Each
 * hostile answer over 50 ms (and the 20 slowest answers of any kind) comes with where its time
 * went: the hub's own time (x-bench-hub-ms, from bench/hub-probe.ts preloaded into the hub), the
 * time since the last kill, the stalls of the hub's event loop and of the bench thread that timed
 * it, with their GC pauses and run-queue waits (bench/loop-probe.ts), and the machine's CPU shares
 * over the run.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 10);
const KILL_SECONDS = Number(process.env.SOAK_KILL_SECONDS ?? 30);
/** Requests this long after a kill are "during the kill". */
const KILL_WINDOW_MS = 5_000;
const SEED_OFFERS = Number(process.env.SOAK_SEED_OFFERS ?? 5_000);
const DATABASE_URL = process.env.BENCH_SOAK_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/passerelle_soak';
const ADMIN_KEY = `soak-admin-${process.pid}-${Date.now()}`;
const RESULTS_DIR = path.join(__dirname, 'results');
const DEPARTMENTS = ['74', '73', '69', '75', '13', '33', '31', '44', '59', '67', '06', '38'];

const SEARCH = `query Search($f: OfferFilter, $n: Int) { offers(filter: $f, first: $n) { totalCount edges { node { id title contractType partner { name } location { city } } } pageInfo { hasNextPage endCursor } } }`;
const SEARCH_FACETS = `query SearchFacets($f: OfferFilter) { offers(filter: $f, first: 20) { totalCount edges { node { id title } } facets { contractType { value count } departmentCode { value count } } } }`;
const DETAIL = `query Detail($id: ID!) { node(id: $id) { ... on Offer { id title description salary { min max period } employer { name } location { city postalCode } rome { label } } } }`;
const UPSERT = `mutation Push($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated unchanged rejected results { externalId status } } }`;
const HOSTILE = [
  '{ partners { offers(first:100){edges{node{id partner{offers(first:100){edges{node{id partner{offers(first:100){edges{node{id partner{id}}}}}}}}}}}} } }',
  `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`,
  `{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: offers(first: 100, filter: { minSalary: ${i} }) { totalCount }`).join(' ')} }`,
];

const HOSTILE_SHAPES = ['deep nesting', '10,000 aliases', '1,000 aliased counts'];

type Operation = 'search' | 'detail' | 'ingest' | 'hostile';
interface Sample {
  operation: Operation;
  /** Which of HOSTILE (hostile requests only). */
  shape?: number;
  /** When the answer was read (Date.now()). */
  at: number;
  /** When the request was sent (ms since the epoch, sub-millisecond). */
  sentAt: number;
  ms: number;
  /** What the hub measured from its `request` event to its `writeHead` (bench/hub-probe.ts). */
  hubMs: number | null;
  status: number;
  codes: string[];
}

/** One round of kills: when it started (ms since the epoch), how long it took, how many connections. */
interface Kill {
  at: number;
  ms: number;
  connections: number;
}

/**
 * The upsertOffers input of offer `i` of a series, made when asked for: the live series is drawn
 * 10 at a time during the soak, rather than 100,000 made beforehand and kept (43 MB more of old
 * generation for the client's major GCs to go through while it measures).
 */
function offerInputSeries(prefix: string, seed: number): (i: number) => Record<string, unknown> {
  const now = new Date();
  const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
  const generator = createSyntheticOfferGenerator({ seed, now, partnerCodes: [], templates });
  return (i) => {
    const row = generator.next(i).row;
    return {
      externalId: `${prefix}${i}`,
      title: row.title,
      description: row.description,
      romeCode: row.romeCode,
      employer: row.employerName ? { name: row.employerName } : null,
      location: { communeCode: row.communeCode, postalCode: row.postalCode },
      contractType: row.contractType,
      fullTime: row.fullTime,
      publishedAt: row.publishedAt.toISOString(),
    };
  };
}

/** The machine's CPU time so far (all cores, ms): busy and total, from /proc/stat (null elsewhere). */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, v) => sum + v, 0);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    const tick = 1000 / 100; // USER_HZ
    return { busy: (total - idle) * tick, total: total * tick };
  } catch {
    return null;
  }
}

/** The parts of a slow answer's time that causeOf weighs. */
interface Breakdown {
  hubMs: number | null;
  timedBy: string;
  clientStallMs: number;
  clientStallCpuMs: number | null;
  clientStallRunQueueMs: number | null;
  clientGcMs: number;
  hubStallMs: number;
  hubStallCpuMs: number | null;
  hubStallRunQueueMs: number | null;
  hubGcMs: number;
}

/**
 * What made an answer slow, from its breakdown: the largest of the hub's own time (from its
 * `request` event to its `writeHead`), a stall of the hub's event loop, a stall of the bench
 * process that timed it. A stall is, by what covers half of it: its thread runnable but waiting
 * for a CPU (the OS running other processes: the machine; a GC pause then lasts that much longer,
 * said as well); a GC pause; its thread on a CPU (its own work: a long turn of the loop); else its
 * thread neither (blocked: a lock, a page fault).
 * Under 25 ms for all three: several smaller delays added up.
 */
function causeOf(e: Breakdown): string {
  const stall = (who: string, ms: number, gcMs: number, cpuMs: number | null, runQueueMs: number | null): [string, number] => [
    runQueueMs !== null && runQueueMs >= ms / 2
      ? `${who} waiting for a CPU (machine busy)${gcMs >= ms / 2 ? ', in a GC pause' : ''}`
      : gcMs >= ms / 2
        ? `${who} GC pause`
        : cpuMs === null || runQueueMs === null
          ? `${who} event loop stalled`
          : cpuMs >= ms / 2
            ? `${who} busy (its own work)`
            : `${who} blocked (neither running nor waiting for a CPU)`,
    ms,
  ];
  const parts: Array<[string, number]> = [
    ['hub handling', e.hubMs ?? 0],
    stall('hub', e.hubStallMs, e.hubGcMs, e.hubStallCpuMs, e.hubStallRunQueueMs),
    stall(`bench ${e.timedBy}`, e.clientStallMs, e.clientGcMs, e.clientStallCpuMs, e.clientStallRunQueueMs),
  ];
  const [label, ms] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return ms >= 25 ? label : 'several smaller delays (none over 25 ms)';
}

function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function readMetric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
  const match = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

async function main(): Promise<void> {
  const db = parseDatabaseUrl(DATABASE_URL);
  if (db.type !== 'mysql') throw new Error('bench:soak runs on MariaDB/MySQL');
  await dropMysqlDatabase(db);
  await ensureMysqlDatabase(db);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const hubProbeFile = path.join(RESULTS_DIR, 'soak-hub-probe.log');
  const hub = await startBenchHub(
    DATABASE_URL,
    ADMIN_KEY,
    path.join(RESULTS_DIR, 'soak-hub.log'),
    {
      // Hostile requests come from one address, as the search traffic does: the rate limits stay raised.
      LOG_LEVEL: 'warn',
      BENCH_HUB_PROBE_FILE: hubProbeFile,
    },
    ['./bench/hub-probe.ts'],
  );
  const hubPid = hub.child.process.pid;
  let failure: unknown = null;
  try {
    const partner = await hub.gql(ADMIN_KEY, 'mutation { createPartner(input: { code: "soak-board", name: "Soak board" }) { id } }', {});
    const { key } = (
      await hub.gql(ADMIN_KEY, 'mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "soak") { key } }', {
        p: partner.createPartner.id,
      })
    ).issueApiKey;
    console.log(`Seeding ${SEED_OFFERS} offers through upsertOffers...`);
    const seedOffer = offerInputSeries('soak-seed-', 7);
    const seed = Array.from({ length: SEED_OFFERS }, (_, i) => seedOffer(i));
    for (let i = 0; i < seed.length; i += 1_000) await hub.gql(key, UPSERT, { o: seed.slice(i, i + 1_000) });
    const liveOffer = offerInputSeries('soak-live-', 11);

    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
    const send = (body: string, authorization: string | null): Promise<{ status: number; json: any; hubMs: number | null }> =>
      new Promise((resolve) => {
        const req = http.request(hub.graphqlUrl, {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(authorization ? { authorization } : {}),
          },
          timeout: 60_000,
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (err) =>
          resolve({
            status: 0,
            json: { errors: [{ extensions: { code: `CLIENT_${(err as { code?: string }).code ?? err.message}` } }] },
            hubMs: null,
          }),
        );
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let json: any = null;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              json = { errors: [{ extensions: { code: 'NOT_JSON' } }] };
            }
            const hubMs = Number(res.headers[HUB_MS_HEADER]);
            resolve({ status: res.statusCode ?? 0, json, hubMs: Number.isFinite(hubMs) ? hubMs : null });
          });
        });
        req.end(body);
      });

    // The hostile requests' own process (bench/hostile-sender.ts). Before the clock starts, it sends
    // each shape CLIENTS times at once: its connections are opened, and its code and the hub's
    // refusal paths run once. Those answers are reported apart (warmUp), not in the figures.
    const hostileSender = await HostileSender.start(hub.graphqlUrl, HOSTILE, CLIENTS);
    const warmUp: Record<string, { firstMs: number; maxMs: number; hubMaxMs: number; status: number[] }> = {};
    for (const [shape, name] of HOSTILE_SHAPES.entries()) {
      const answers = await Promise.all(Array.from({ length: CLIENTS }, () => hostileSender.send(shape)));
      warmUp[name] = {
        firstMs: Math.round(answers[0].ms * 10) / 10,
        maxMs: Math.round(Math.max(...answers.map((a) => a.ms)) * 10) / 10,
        hubMaxMs: Math.max(...answers.map((a) => a.hubMs ?? 0)),
        status: [...new Set(answers.map((a) => a.status))],
      };
    }

    const rssStart = await readMetric(hub.base, 'process_resident_memory_bytes');
    const samples: Sample[] = [];
    const kills: Kill[] = [];
    const acknowledged = new Set<string>();
    const offerIds: string[] = [];
    let nextLive = 0;
    const started = Date.now();
    const deadline = started + SECONDS * 1000;

    // The hub's memory every 10 s (RSS and V8 heap in use): growth that levels off is not a leak.
    const memory: Array<{ second: number; rssMb: number; heapUsedMb: number; load1: number }> = [];
    const sampleMemory = async () => {
      const [rss, heap] = await Promise.all([
        readMetric(hub.base, 'process_resident_memory_bytes'),
        readMetric(hub.base, 'nodejs_heap_size_used_bytes'),
      ]);
      memory.push({
        second: Math.round((Date.now() - started) / 1000),
        rssMb: Math.round(rss / 1024 / 1024),
        heapUsedMb: Math.round(heap / 1024 / 1024),
        load1: Math.round(os.loadavg()[0] * 100) / 100,
      });
    };
    const sampler = setInterval(() => void sampleMemory().catch(() => {}), 10_000);

    // The kills go through a connection of this process's own (in no database: it is not killed),
    // asynchronously. They ran the mysql client with execFileSync, 1 + one per connection: that
    // held this process's event loop 60-250 ms a round, and every answer arriving meanwhile,
    // hostile ones included, was measured that much late (bench/results/history.md, 2026-12-06).
    const admin = await mysqlClient.createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.socketPath ? { socketPath: db.socketPath } : {}),
    });
    const killRound = async () => {
      const at = performance.timeOrigin + performance.now();
      const [rows] = await admin.query<mysqlClient.RowDataPacket[]>('SELECT id FROM information_schema.PROCESSLIST WHERE DB = ?', [
        db.database,
      ]);
      for (const { id } of rows) {
        try {
          await admin.query(`KILL CONNECTION ${Number(id)}`);
        } catch {
          // gone already
        }
      }
      const ms = performance.timeOrigin + performance.now() - at;
      kills.push({ at, ms, connections: rows.length });
      console.log(`${Math.round((Date.now() - started) / 1000)} s: killed ${rows.length} MariaDB connections (${Math.round(ms)} ms)`);
    };
    const killer = setInterval(() => void killRound().catch((err) => console.error('kill round failed:', err)), KILL_SECONDS * 1000);

    const client = async (seedNumber: number) => {
      const random = prng(seedNumber);
      while (Date.now() < deadline) {
        const roll = random();
        let operation: Operation;
        let body: string;
        let authorization: string | null = null;
        if (roll < 0.05) {
          // Sent and timed by the hostile sender's process (bench/hostile-sender.ts).
          const shape = Math.floor(random() * HOSTILE.length);
          const answer = await hostileSender.send(shape);
          samples.push({ operation: 'hostile', shape, at: Date.now(), ...answer });
          continue;
        } else {
          const r = random();
          if (r < 0.9 || offerIds.length === 0) {
            operation = 'search';
            const f = { departmentCodes: [DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)]] };
            body =
              random() < 0.3
                ? JSON.stringify({ query: SEARCH_FACETS, variables: { f } })
                : JSON.stringify({ query: SEARCH, variables: { f, n: 20 } });
          } else if (r < 0.99) {
            operation = 'detail';
            body = JSON.stringify({ query: DETAIL, variables: { id: offerIds[Math.floor(random() * offerIds.length)] } });
          } else {
            operation = 'ingest';
            const batch = Array.from({ length: 10 }, (_, i) => liveOffer(nextLive + i));
            nextLive += 10;
            body = JSON.stringify({ query: UPSERT, variables: { o: batch } });
            authorization = `Bearer ${key}`;
          }
        }
        const t0 = performance.now();
        const { status, json, hubMs } = await send(body, authorization);
        const ms = performance.now() - t0;
        const codes: string[] = (json?.errors ?? []).map((e: any) => String(e?.extensions?.code ?? 'NONE'));
        samples.push({ operation, at: Date.now(), sentAt: performance.timeOrigin + t0, ms, hubMs, status, codes });
        if (operation === 'search' && offerIds.length < 5_000) for (const e of json?.data?.offers?.edges ?? []) offerIds.push(e.node.id);
        if (operation === 'ingest' && status === 200 && !json.errors && json.data?.upsertOffers) {
          for (const r of json.data.upsertOffers.results) if (r.status !== 'REJECTED') acknowledged.add(r.externalId);
        }
      }
    };
    console.log(`Soak: ${SECONDS} s, ${CLIENTS} clients, MariaDB connections killed every ${KILL_SECONDS} s...`);
    // This process's event loop: a client's measured time includes any stall of the loop it runs on.
    const clientProbe = startLoopProbe();
    const cpuAtStart = {
      machine: machineCpu(),
      hubSeconds: await readMetric(hub.base, 'process_cpu_seconds_total'),
      bench: process.cpuUsage(),
      load1: os.loadavg()[0],
    };
    hub.child.process.kill('SIGUSR2'); // (the hub's probe: its summary starts now)
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(1000 + i)));
    clientProbe.stop();
    const senderLoop = await hostileSender.close();
    clearInterval(killer);
    await admin.end();
    const wallMs = Date.now() - started;
    const machineEnd = machineCpu();
    const hubCpuMs = ((await readMetric(hub.base, 'process_cpu_seconds_total')) - cpuAtStart.hubSeconds) * 1000;
    const benchCpu = process.cpuUsage(cpuAtStart.bench);
    const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
    const machineBusyMs = machineEnd && cpuAtStart.machine ? machineEnd.busy - cpuAtStart.machine.busy : NaN;
    const cores = os.cpus().length;
    /** Shares of the machine's CPU (all cores = 100 %) over the run. */
    const cpu = {
      cores,
      load1AtStart: Math.round(cpuAtStart.load1 * 100) / 100,
      load1AtEnd: Math.round(os.loadavg()[0] * 100) / 100,
      machineBusyPercent: Math.round((machineBusyMs / (wallMs * cores)) * 100),
      hubPercent: Math.round((hubCpuMs / (wallMs * cores)) * 100),
      benchClientPercent: Math.round((benchCpuMs / (wallMs * cores)) * 100),
      hostileSenderPercent: Math.round((senderLoop.cpuMs / (wallMs * cores)) * 100),
      /** MariaDB and whatever else runs on the machine (other agents' work). */
      restPercent: Math.round(((machineBusyMs - hubCpuMs - benchCpuMs - senderLoop.cpuMs) / (wallMs * cores)) * 100),
    };
    clearInterval(sampler);
    await sampleMemory();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rssEnd = await readMetric(hub.base, 'process_resident_memory_bytes');
    const restarted = hub.child.process.exitCode !== null || hub.child.process.pid !== hubPid;

    // Every acknowledged offer is stored.
    const stored = new Set(
      mysql(`SELECT external_id FROM ${db.database}.offer WHERE external_id LIKE 'soak-live-%'`).split('\n').filter(Boolean),
    );
    const lost = [...acknowledged].filter((id) => !stored.has(id));

    // Where the slow answers' time went: the hub's own time (x-bench-hub-ms), the kills, and the
    // stalls of either event loop (the client's and the hub's, with their GC pauses) meanwhile.
    await hub.child.stop(); // (its probe writes its summary at exit)
    const hubProbe = fs.existsSync(hubProbeFile) ? readHubProbe(hubProbeFile) : { stalls: [], gcs: [], summary: null };
    const tenth = (ms: number) => Math.round(ms * 10) / 10;
    const explain = (s: Sample) => {
      const end = s.sentAt + s.ms;
      const kill = kills.filter((k) => k.at <= end).at(-1);
      // A hostile request's time was measured by the sender's process, the others' by this one.
      const timedBy = s.operation === 'hostile' ? 'hostile sender' : 'client';
      const client = overlapping(s.operation === 'hostile' ? senderLoop : clientProbe, s.sentAt, end);
      const hubSide = overlapping(hubProbe, s.sentAt, end);
      return {
        operation: s.operation,
        ...(s.shape !== undefined ? { shape: HOSTILE_SHAPES[s.shape] } : {}),
        atSecond: tenth((s.sentAt - started) / 1000),
        ms: tenth(s.ms),
        status: s.status,
        hubMs: s.hubMs,
        /** From the start of the last kill to the request's (negative: the kill started while it was in flight). */
        sinceKillMs: kill ? Math.round(s.sentAt - kill.at) : null,
        /** A kill round was running (from its first statement to its last answer) while the request was in flight. */
        overlapsKillCall: kill ? kill.at < end && kill.at + kill.ms > s.sentAt : false,
        /** The bench process that timed it (its stalls are the client's below). */
        timedBy,
        clientStallMs: client.stallMaxMs,
        clientStallCpuMs: client.stallCpuMs,
        clientStallRunQueueMs: client.stallRunQueueMs,
        clientGcMs: client.gcSumMs,
        hubStallMs: hubSide.stallMaxMs,
        hubStallCpuMs: hubSide.stallCpuMs,
        hubStallRunQueueMs: hubSide.stallRunQueueMs,
        hubGcMs: hubSide.gcSumMs,
        hubGcKinds: hubSide.gcKinds,
      };
    };

    const duringKill = (s: Sample) => kills.some((k) => s.at >= k.at && s.at - s.ms <= k.at + KILL_WINDOW_MS);
    const byOperation: Record<string, unknown> = {};
    for (const operation of ['search', 'detail', 'ingest', 'hostile'] as const) {
      const of = samples.filter((s) => s.operation === operation);
      byOperation[operation] = {
        requests: of.length,
        p50Ms:
          Math.round(
            quantile(
              of.map((s) => s.ms),
              0.5,
            ) * 10,
          ) / 10,
        p99Ms:
          Math.round(
            quantile(
              of.map((s) => s.ms),
              0.99,
            ) * 10,
          ) / 10,
        maxMs: Math.round(of.reduce((max, s) => Math.max(max, s.ms), 0)), // (no spread: 100,000+ samples overflow the stack)
      };
    }
    const errorsByCode: Record<string, number> = {};
    for (const s of samples) for (const code of s.codes) errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
    const hostile = samples.filter((s) => s.operation === 'hostile');
    const serverErrors = samples.filter(
      (s) => s.status >= 500 || s.status === 0 || (s.operation !== 'hostile' && s.codes.includes('INTERNAL_SERVER_ERROR')),
    );
    const explainWithCause = (s: Sample) => {
      const e = explain(s);
      return { ...e, cause: causeOf(e) };
    };
    const hostileOver50 = hostile.filter((s) => s.ms > 50).map(explainWithCause);
    const over50ByCause: Record<string, number> = {};
    for (const e of hostileOver50) over50ByCause[e.cause] = (over50ByCause[e.cause] ?? 0) + 1;
    const slowest = [...samples]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 20)
      .map(explainWithCause);
    const report = {
      startedAt: new Date(started).toISOString(),
      seconds: SECONDS,
      clients: CLIENTS,
      killEverySeconds: KILL_SECONDS,
      kills: kills.length,
      killRounds: kills.map((k) => ({ atSecond: tenth((k.at - started) / 1000), ms: Math.round(k.ms), connections: k.connections })),
      requests: samples.length,
      byOperation,
      errorsByCode,
      failuresDuringKills: serverErrors.filter(duringKill).length,
      failuresOutsideKills: serverErrors.filter((s) => !duringKill(s)).length,
      hostile: {
        requests: hostile.length,
        not4xx: hostile.filter((s) => s.status < 400 || s.status >= 500).length,
        over50Ms: hostileOver50.length,
        hubMsP50: tenth(quantile(hostile.map((s) => s.hubMs ?? NaN).filter(Number.isFinite), 0.5)),
        hubMsP99: tenth(quantile(hostile.map((s) => s.hubMs ?? NaN).filter(Number.isFinite), 0.99)),
        hubMsMax: tenth(hostile.reduce((max, s) => Math.max(max, s.hubMs ?? 0), 0)),
        /** Client time and the hub's own, per shape. */
        byShape: Object.fromEntries(
          HOSTILE_SHAPES.map((name, shape) => {
            const of = hostile.filter((s) => s.shape === shape);
            const hubMs = of.map((s) => s.hubMs ?? NaN).filter(Number.isFinite);
            return [
              name,
              {
                requests: of.length,
                p50Ms: tenth(
                  quantile(
                    of.map((s) => s.ms),
                    0.5,
                  ),
                ),
                p99Ms: tenth(
                  quantile(
                    of.map((s) => s.ms),
                    0.99,
                  ),
                ),
                maxMs: tenth(of.reduce((max, s) => Math.max(max, s.ms), 0)),
                hubMsP50: tenth(quantile(hubMs, 0.5)),
                hubMsP99: tenth(quantile(hubMs, 0.99)),
                hubMsMax: tenth(hubMs.reduce((max, ms) => Math.max(max, ms), 0)),
              },
            ];
          }),
        ),
        over50MsByCause: over50ByCause,
        warmUp,
        over50MsExplained: hostileOver50,
      },
      cpu,
      clientLoop: { ...clientProbe.summary(), heapUsedMbAtEnd: Math.round(process.memoryUsage().heapUsed / 1024 / 1024) },
      hostileSenderLoop: senderLoop.summary,

      hubLoop: hubProbe.summary,
      slowest,
      acknowledgedOffers: acknowledged.size,
      lostOffers: lost.length,
      rssStartMb: Math.round(rssStart / 1024 / 1024),
      rssEndMb: Math.round(rssEnd / 1024 / 1024),
      hubRestarted: restarted,
      memory,
    };
    fs.writeFileSync(path.join(RESULTS_DIR, 'soak-latest.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\nHostile: ${hostile.length} requests, ${report.hostile.not4xx} not 4xx, ${hostileOver50.length} over 50 ms` +
        ` (hub's own time p99 ${report.hostile.hubMsP99} ms, max ${report.hostile.hubMsMax} ms)`,
    );
    for (const e of hostileOver50) {
      console.log(
        `  ${e.atSecond} s ${e.shape}: ${e.ms} ms; hub ${e.hubMs} ms; since kill ${e.sinceKillMs ?? '-'} ms;` +
          ` hub stall ${e.hubStallMs} ms (cpu ${e.hubStallCpuMs ?? '-'}, run queue ${e.hubStallRunQueueMs ?? '-'}, gc ${e.hubGcMs});` +
          ` ${e.timedBy} stall ${e.clientStallMs} ms (cpu ${e.clientStallCpuMs ?? '-'}, run queue ${e.clientStallRunQueueMs ?? '-'}, gc ${e.clientGcMs}): ${e.cause}`,
      );
    }
    console.log(
      `Machine: load ${cpu.load1AtStart} -> ${cpu.load1AtEnd}, CPU ${cpu.machineBusyPercent} % busy: hub ${cpu.hubPercent} %, bench ${cpu.benchClientPercent + cpu.hostileSenderPercent} %, MariaDB and others ${cpu.restPercent} %`,
    );
  } catch (err) {
    failure = err;
  } finally {
    await hub.child.stop();
    await stopAllChildren();
  }
  if (failure) throw failure;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
