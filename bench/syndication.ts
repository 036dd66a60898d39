import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseDatabaseUrl } from '../src/config';
import { dropMysqlDatabase, ensureMysqlDatabase } from '../src/db/data-source';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/seed/synthetic-offers';
import { stopAllChildren } from './children';
import { encodeBody, startBenchHub, type BenchHub } from './hub';
import { mysql } from './mariadb';

/**
 * `npm run bench:syndication` (issue 16), on MariaDB:
 * 1. Write cost of the change log: BENCH_SYND_OFFERS new AGENCY offers through upsertOffers over
 *    HTTP (batches of 1,000, BENCH_INGEST_CLIENTS clients, as bench:ingest does for a partner) into
 *    a fresh database without the syndication triggers, and into one with them (twice each); the
 *    hub sequences the log in the background every second meanwhile, as in production.
 * 2. 50 partners (BENCH_SYND_FEED_PARTNERS) opt in with varied preferences and read the whole log
 *    of step 1 at once (from its first position, not the snapshot a first read gets): changes/s
 *    per partner.
 * 3. 10 partners (BENCH_SYND_WEBHOOK_PARTNERS) subscribe webhooks (a receiver in this process on
 *    127.0.0.1) from the head of the log; the agency then pushes BENCH_SYND_LIVE_OFFERS offers,
 *    one call of 500 a second: delay from the call's response (its commit is just before) to
 *    each change's arrival at each webhook, p50 / p99.
 */
const OFFERS = Number(process.env.BENCH_SYND_OFFERS ?? 250_000);
const FEED_PARTNERS = Number(process.env.BENCH_SYND_FEED_PARTNERS ?? 50);
const WEBHOOK_PARTNERS = Number(process.env.BENCH_SYND_WEBHOOK_PARTNERS ?? 10);
const LIVE_OFFERS = Number(process.env.BENCH_SYND_LIVE_OFFERS ?? 10_000);
const CLIENTS = Number(process.env.BENCH_INGEST_CLIENTS ?? 2);
const DELIVERY_INTERVAL_MS = Number(process.env.SYNDICATION_DELIVERY_INTERVAL_MS ?? 200);
const DATABASE_URL = process.env.BENCH_SYND_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/passerelle_bench_synd';
const BATCH = 1_000;
const LIVE_BATCH = 500;
const ADMIN_KEY = `bench-admin-${process.pid}-${Date.now()}`;
const RESULTS_DIR = path.join(__dirname, 'results');
const UPSERT = 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated unchanged rejected } }';

function buildInputs(count: number, prefix: string): Array<Record<string, unknown>> {
  const now = new Date();
  const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
  const generator = createSyntheticOfferGenerator({ seed: 1616, now, partnerCodes: [], templates });
  return Array.from({ length: count }, (_, i) => {
    const row = generator.next(i).row;
    return {
      externalId: `${prefix}-${i}`,
      title: row.title,
      description: row.description,
      romeCode: row.romeCode,
      location: { communeCode: row.communeCode, postalCode: row.postalCode },
      contractType: row.contractType,
      fullTime: row.fullTime,
      publishedAt: row.publishedAt.toISOString(),
      reservedForJobseekers: i % 10 === 0,
    };
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

async function startHub(withTriggers: boolean, deliveryIntervalMs = 1_000): Promise<BenchHub> {
  const db = parseDatabaseUrl(DATABASE_URL);
  if (db.type !== 'mysql') throw new Error('bench:syndication runs on MariaDB/MySQL');
  await dropMysqlDatabase(db);
  await ensureMysqlDatabase(db);
  const hub = await startBenchHub(DATABASE_URL, ADMIN_KEY, path.join(RESULTS_DIR, 'syndication-hub.log'), {
    SYNDICATION_WEBHOOK_ALLOW_LOOPBACK: 'true',
    SYNDICATION_DELIVERY_INTERVAL_MS: String(deliveryIntervalMs),
  });
  if (!withTriggers) for (const t of ['syndication_ai', 'syndication_au', 'syndication_ad']) mysql(`DROP TRIGGER ${db.database}.${t}`);
  return hub;
}

/** New agency offers pushed as bench:ingest pushes a partner's: offers/s. */
async function pushAll(hub: BenchHub, inputs: Array<Record<string, unknown>>): Promise<number> {
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < inputs.length; i += BATCH) bodies.push(encodeBody(UPSERT, { o: inputs.slice(i, i + BATCH) }));
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const r = (await hub.post(ADMIN_KEY, bodies[next++])).upsertOffers;
        if (r.rejected) throw new Error(`${r.rejected} offers rejected`);
      }
    }),
  );
  return Math.round(inputs.length / (Number(process.hrtime.bigint() - started) / 1e9));
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  console.log(`Building ${OFFERS.toLocaleString('en')} agency offer inputs...`);
  const inputs = buildInputs(OFFERS, 'synd');

  // 1. Write cost: without and with the change log, twice each (this machine's speed drifts).
  const rounds: Array<{ withoutLog: number; withLog: number }> = [];
  let hub!: BenchHub;
  // Round 1 without then with; round 2 with then without (a database's first pass runs colder).
  for (let round = 0; round < 2; round++) {
    const result = { withoutLog: 0, withLog: 0 };
    for (const withTriggers of round === 0 ? [false, true] : [true, false]) {
      await stopAllChildren();
      hub = await startHub(withTriggers);
      result[withTriggers ? 'withLog' : 'withoutLog'] = await pushAll(hub, inputs);
    }
    rounds.push(result);
    console.log(
      `new agency offers: ${result.withoutLog.toLocaleString('en')}/s without the change log, ${result.withLog.toLocaleString('en')}/s with it`,
    );
  }
  // The last pass ran without the triggers: the rest runs on a database written with them.
  await stopAllChildren();
  hub = await startHub(true, DELIVERY_INTERVAL_MS);
  await pushAll(hub, inputs);
  const withoutLog = Math.round((rounds[0].withoutLog + rounds[1].withoutLog) / 2);
  const withLog = Math.round((rounds[0].withLog + rounds[1].withLog) / 2);
  const cost = 1 - withLog / withoutLog;
  console.log(`write cost of the change log: ${(cost * 100).toFixed(1)} % (means of two runs each)`);
  // The keyword indexer catches up with the pushes first: the feed is measured, not the indexer.
  const database = (parseDatabaseUrl(DATABASE_URL) as { database: string }).database;
  while (Number(mysql(`SELECT COUNT(*) FROM ${database}.offer_search_queue`)) > 0) await new Promise((r) => setTimeout(r, 200));

  // 2. Feed partners: opt in, then read everything from the start, all at once.
  const prefsFor = (i: number) =>
    [{}, { departmentCodes: ['75', '69', '13', '33', '59'] }, { romeDomainCodes: ['G', 'K'] }, { contractTypes: ['PERMANENT'] }][i % 4];
  const partnerKey = async (code: string, prefs: Record<string, unknown>) => {
    const { createPartner } = await hub.gql(ADMIN_KEY, 'mutation($c: String!) { createPartner(input: { code: $c, name: $c }) { id } }', {
      c: code,
    });
    const { issueApiKey } = await hub.gql(
      ADMIN_KEY,
      'mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "bench") { key } }',
      { p: createPartner.id },
    );
    await hub.gql(issueApiKey.key, 'mutation($i: SyndicationPreferencesInput!) { updateSyndicationPreferences(input: $i) { id } }', {
      i: { enabled: true, ...prefs },
    });
    return issueApiKey.key as string;
  };
  const feedKeys = await Promise.all(Array.from({ length: FEED_PARTNERS }, (_, i) => partnerKey(`feed-${i}`, prefsFor(i))));
  const FEED =
    'query($a: String) { syndicationFeed(after: $a, first: 1000) { endCursor hasMore changes { kind offerId offer { id title } } } }';
  // From the start of the log (base64url of "t:0"), not a snapshot (after: null): every change of
  // step 1 is read, UPSERT or REMOVE for this partner.
  const logStart = Buffer.from('t:0').toString('base64url');
  const readAll = async (key: string) => {
    const started = process.hrtime.bigint();
    let after: string | null = logStart;
    let changes = 0;
    for (;;) {
      const page: { endCursor: string; hasMore: boolean; changes: unknown[] } = (await hub.gql(key, FEED, { a: after })).syndicationFeed;
      changes += page.changes.length;
      after = page.endCursor;
      if (!page.hasMore) break;
    }
    return { changes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  };
  const alone = await readAll(feedKeys[0]);
  const together = await Promise.all(feedKeys.map(readAll));
  const rates = together.map((r) => r.changes / r.seconds).sort((a, b) => a - b);
  const totalChanges = together.reduce((s, r) => s + r.changes, 0);
  const wall = Math.max(...together.map((r) => r.seconds));
  console.log(
    `feed: one partner alone ${Math.round(alone.changes / alone.seconds).toLocaleString('en')} changes/s; ${FEED_PARTNERS} at once: median ${Math.round(percentile(rates, 50)).toLocaleString('en')} changes/s per partner, ${Math.round(totalChanges / wall).toLocaleString('en')}/s in all`,
  );

  // 3. Webhooks: a receiver here, 10 subscriptions from the head of the log, then a live push.
  const committedAt = new Map<string, number>();
  const delays: number[] = [];
  let received = 0;
  let posts = 0;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      posts++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        changes: Array<{ kind: string; offer: { externalId: string } | null }>;
      };
      for (const c of body.changes) {
        received++;
        const t0 = c.offer ? committedAt.get(c.offer.externalId) : undefined;
        if (t0 !== undefined) delays.push(at - t0);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const hookKeys = await Promise.all(Array.from({ length: WEBHOOK_PARTNERS }, (_, i) => partnerKey(`hook-${i}`, prefsFor(i))));
  // The head of the log as a feed cursor (base64url of "t:<seq>", docs/syndication.md), once the
  // opt-ins are sequenced: the subscriptions start with the live changes, not the backlog.
  while (Number(mysql(`SELECT COUNT(*) FROM ${database}.syndication_pending`)) > 0) await new Promise((r) => setTimeout(r, 200));
  const head = Number(mysql(`SELECT next_seq - 1 FROM ${database}.syndication_state`));
  const headCursor = Buffer.from(`t:${head}`).toString('base64url');
  for (const key of hookKeys) {
    await hub.gql(key, 'mutation($u: URL!, $a: String) { registerSyndicationWebhook(url: $u, after: $a) { secret } }', {
      u: hookUrl,
      a: headCursor,
    });
  }
  const live = buildInputs(LIVE_OFFERS, 'live');
  const liveStarted = performance.now();
  const trace = process.env.BENCH_SYND_TRACE
    ? setInterval(
        () =>
          console.log(
            `${Math.round(performance.now() - liveStarted)} ms: ${committedAt.size} committed, ${received} changes received, ${posts} posts`,
          ),
        1000,
      )
    : null;
  for (let i = 0; i < live.length; i += LIVE_BATCH) {
    const due = liveStarted + (i / LIVE_BATCH) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const batch = live.slice(i, i + LIVE_BATCH);
    await hub.post(ADMIN_KEY, encodeBody(UPSERT, { o: batch }));
    const at = performance.now();
    for (const o of batch) committedAt.set(String(o.externalId), at);
  }
  // Wait (bounded) for the deliveries to drain: every subscription takes its share of the live offers.
  const deadline = Date.now() + 60_000;
  let last = -1;
  while (Date.now() < deadline && received !== last) {
    last = received;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  receiver.close();
  if (trace) clearInterval(trace);
  delays.sort((a, b) => a - b);
  console.log(
    `webhooks: ${delays.length.toLocaleString('en')} upserts delivered; delay from commit p50 ${Math.round(percentile(delays, 50))} ms, p99 ${Math.round(percentile(delays, 99))} ms (delivery timer ${DELIVERY_INTERVAL_MS} ms)`,
  );

  const report = {
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, node: process.version, mariadb: mysql('SELECT VERSION()') },
    offers: OFFERS,
    writeCost: { rounds, withoutLog, withLog, cost: Number(cost.toFixed(3)) },
    feed: {
      partners: FEED_PARTNERS,
      aloneChangesPerSecond: Math.round(alone.changes / alone.seconds),
      medianPerPartner: Math.round(percentile(rates, 50)),
      totalPerSecond: Math.round(totalChanges / wall),
    },
    webhooks: {
      partners: WEBHOOK_PARTNERS,
      liveOffers: LIVE_OFFERS,
      deliveredUpserts: delays.length,
      p50Ms: Math.round(percentile(delays, 50)),
      p99Ms: Math.round(percentile(delays, 99)),
      deliveryIntervalMs: DELIVERY_INTERVAL_MS,
    },
  };
  fs.writeFileSync(path.join(RESULTS_DIR, 'syndication-latest.json'), JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
  await stopAllChildren();
}

process.on('SIGINT', () => void stopAllChildren().then(() => process.exit(130)));
main().catch(async (err) => {
  console.error('bench:syndication failed:', err);
  await stopAllChildren();
  process.exit(1);
});
