import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseDatabaseUrl } from '../src/config';
import { dropMysqlDatabase, ensureMysqlDatabase } from '../src/db/data-source';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/seed/synthetic-offers';
import { stopAllChildren } from './children';
import { startBenchHub } from './hub';
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

type Operation = 'search' | 'detail' | 'ingest' | 'hostile';
interface Sample {
  operation: Operation;
  at: number;
  ms: number;
  status: number;
  codes: string[];
}

function offerInputs(count: number, prefix: string, seed: number): Array<Record<string, unknown>> {
  const now = new Date();
  const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
  const generator = createSyntheticOfferGenerator({ seed, now, partnerCodes: [], templates });
  return Array.from({ length: count }, (_, i) => {
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
  });
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
  const hub = await startBenchHub(DATABASE_URL, ADMIN_KEY, path.join(RESULTS_DIR, 'soak-hub.log'), {
    // Hostile requests come from one address, as the search traffic does: the rate limits stay raised.
    LOG_LEVEL: 'warn',
  });
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
    const seed = offerInputs(SEED_OFFERS, 'soak-seed-', 7);
    for (let i = 0; i < seed.length; i += 1_000) await hub.gql(key, UPSERT, { o: seed.slice(i, i + 1_000) });
    const live = offerInputs(100_000, 'soak-live-', 11);

    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
    const send = (body: string, authorization: string | null): Promise<{ status: number; json: any }> =>
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
          resolve({ status: 0, json: { errors: [{ extensions: { code: `CLIENT_${(err as { code?: string }).code ?? err.message}` } }] } }),
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
            resolve({ status: res.statusCode ?? 0, json });
          });
        });
        req.end(body);
      });

    const rssStart = await readMetric(hub.base, 'process_resident_memory_bytes');
    const samples: Sample[] = [];
    const kills: number[] = [];
    const acknowledged = new Set<string>();
    const offerIds: string[] = [];
    let nextLive = 0;
    const started = Date.now();
    const deadline = started + SECONDS * 1000;

    // The hub's memory every 10 s (RSS and V8 heap in use): growth that levels off is not a leak.
    const memory: Array<{ second: number; rssMb: number; heapUsedMb: number }> = [];
    const sampleMemory = async () => {
      const [rss, heap] = await Promise.all([
        readMetric(hub.base, 'process_resident_memory_bytes'),
        readMetric(hub.base, 'nodejs_heap_size_used_bytes'),
      ]);
      memory.push({
        second: Math.round((Date.now() - started) / 1000),
        rssMb: Math.round(rss / 1024 / 1024),
        heapUsedMb: Math.round(heap / 1024 / 1024),
      });
    };
    const sampler = setInterval(() => void sampleMemory().catch(() => {}), 10_000);

    const killer = setInterval(() => {
      const ids = mysql(`SELECT id FROM information_schema.PROCESSLIST WHERE DB = '${db.database}'`).split('\n').filter(Boolean);
      kills.push(Date.now());
      for (const id of ids) {
        try {
          mysql(`KILL CONNECTION ${Number(id)}`);
        } catch {
          // gone already
        }
      }
      console.log(`${Math.round((Date.now() - started) / 1000)} s: killed ${ids.length} MariaDB connections`);
    }, KILL_SECONDS * 1000);

    const client = async (seedNumber: number) => {
      const random = prng(seedNumber);
      while (Date.now() < deadline) {
        const roll = random();
        let operation: Operation;
        let body: string;
        let authorization: string | null = null;
        if (roll < 0.05) {
          operation = 'hostile';
          body = JSON.stringify({ query: HOSTILE[Math.floor(random() * HOSTILE.length)] });
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
            const batch = live.slice(nextLive, nextLive + 10);
            nextLive += 10;
            body = JSON.stringify({ query: UPSERT, variables: { o: batch } });
            authorization = `Bearer ${key}`;
          }
        }
        const t0 = performance.now();
        const { status, json } = await send(body, authorization);
        const ms = performance.now() - t0;
        const codes: string[] = (json?.errors ?? []).map((e: any) => String(e?.extensions?.code ?? 'NONE'));
        samples.push({ operation, at: Date.now(), ms, status, codes });
        if (operation === 'search' && offerIds.length < 5_000) for (const e of json?.data?.offers?.edges ?? []) offerIds.push(e.node.id);
        if (operation === 'ingest' && status === 200 && !json.errors && json.data?.upsertOffers) {
          for (const r of json.data.upsertOffers.results) if (r.status !== 'REJECTED') acknowledged.add(r.externalId);
        }
      }
    };
    console.log(`Soak: ${SECONDS} s, ${CLIENTS} clients, MariaDB connections killed every ${KILL_SECONDS} s...`);
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(1000 + i)));
    clearInterval(killer);
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

    const duringKill = (s: Sample) => kills.some((k) => s.at >= k && s.at - s.ms <= k + KILL_WINDOW_MS);
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
    const report = {
      startedAt: new Date(started).toISOString(),
      seconds: SECONDS,
      clients: CLIENTS,
      killEverySeconds: KILL_SECONDS,
      kills: kills.length,
      requests: samples.length,
      byOperation,
      errorsByCode,
      failuresDuringKills: serverErrors.filter(duringKill).length,
      failuresOutsideKills: serverErrors.filter((s) => !duringKill(s)).length,
      hostile: {
        requests: hostile.length,
        not4xx: hostile.filter((s) => s.status < 400 || s.status >= 500).length,
        over50Ms: hostile.filter((s) => s.ms > 50).length,
      },
      acknowledgedOffers: acknowledged.size,
      lostOffers: lost.length,
      rssStartMb: Math.round(rssStart / 1024 / 1024),
      rssEndMb: Math.round(rssEnd / 1024 / 1024),
      hubRestarted: restarted,
      memory,
    };
    fs.writeFileSync(path.join(RESULTS_DIR, 'soak-latest.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(JSON.stringify(report, null, 2));
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
