import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropMysqlDatabase, ensureMysqlDatabase, openDatabase } from '../src/db/data-source';
import { parseDatabaseUrl } from '../src/config';
import { seedDatabase } from '../src/seed/seed';
import { toGlobalId } from '../src/lib/ids';
import { addDays, parisDay } from '../src/lib/paris-day';
import { stopAllChildren } from './children';
import { encodeBody, startBenchHub } from './hub';
import { runLoad } from './load';
import { mysql, sizeBufferPool } from './mariadb';
import { prng } from '../src/lib/prng';

/**
 * `npm run bench:audience` (issue 5): on a fresh MariaDB database seeded with OFFERS active offers,
 * (1) sustained recordAudienceEvents over HTTP, batches of 1,000 events from 2 concurrent clients
 * (target >= 20,000 events/s); (2) 30 days x every offer of aggregate counters inserted with SQL
 * (sketches come only from the API ingestion above), then the one-month DAY report of one partner
 * (PARTNER key) and of the whole site (AGENCY key) under autocannon, 10 connections, 10 s after a
 * 3 s warm-up (target p99 < 100 ms).
 */
const OFFERS = Number(process.env.BENCH_AUDIENCE_OFFERS ?? 250_000);
const BATCH = 1_000;
const BATCHES = Number(process.env.BENCH_AUDIENCE_BATCHES ?? 200);
const CLIENTS = 2;
const VISITORS = 200_000;
const DAYS = 30;
const CONNECTIONS = 10;
const LOAD_SECONDS = 10;
const WARMUP_SECONDS = 3;
const DATABASE_URL = process.env.BENCH_AUDIENCE_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/passerelle_bench_audience';
const ADMIN_KEY = `bench-admin-${process.pid}-${Date.now()}`;
const RESULTS_DIR = path.join(__dirname, 'results');

const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

async function main(): Promise<void> {
  const db = parseDatabaseUrl(DATABASE_URL);
  if (db.type !== 'mysql') throw new Error('bench:audience runs on MariaDB/MySQL');
  const bufferPool = sizeBufferPool();
  await dropMysqlDatabase(db);
  await ensureMysqlDatabase(db);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  // 1. Seed the offers directly (LOAD DATA), all ACTIVE.
  const dataSource = await openDatabase(db);
  const phases: Record<string, number> = {};
  try {
    log(`Seeding ${OFFERS.toLocaleString('en')} offers...`);
    let lastShown = 0;
    let started = Date.now();
    const seeded = await seedDatabase(dataSource, {
      totalOffers: OFFERS,
      activeShare: 1,
      onProgress: (done, total) => {
        if (Date.now() - lastShown > 15_000) {
          lastShown = Date.now();
          log(`  seed ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
        }
      },
    });
    phases.seedSeconds = (Date.now() - started) / 1000;
    log(`Seeded in ${phases.seedSeconds.toFixed(0)} s: ${JSON.stringify(seeded)}`);
    const offerIds = ((await dataSource.query('SELECT id FROM offer')) as Array<{ id: number }>).map((r) => Number(r.id));
    const [top] = (await dataSource.query(
      'SELECT partner_id AS id, COUNT(*) AS n FROM offer WHERE partner_id IS NOT NULL GROUP BY partner_id ORDER BY n DESC LIMIT 1',
    )) as Array<{ id: number; n: number }>;
    if (!top) throw new Error('the seed made no partner offers');
    const partnerCount = Number((await dataSource.query('SELECT COUNT(*) AS n FROM partner'))[0].n);

    // 2. The hub.
    // Events spread over the last 30 days must be accepted (7 days by default).
    const hub = await startBenchHub(DATABASE_URL, ADMIN_KEY, path.join(RESULTS_DIR, 'audience-hub.log'), {
      AUDIENCE_MAX_EVENT_AGE_DAYS: '31',
    });
    const { base, post, gql } = hub;
    const ISSUE = 'mutation($p: ID, $r: Role!) { issueApiKey(partnerId: $p, role: $r, label: "bench-audience") { key } }';
    const agencyKey: string = (await gql(ADMIN_KEY, ISSUE, { p: null, r: 'AGENCY' })).issueApiKey.key;
    const partnerGlobalId = toGlobalId('Partner', Number(top.id));
    const partnerKey: string = (await gql(ADMIN_KEY, ISSUE, { p: partnerGlobalId, r: 'PARTNER' })).issueApiKey.key;

    // 3. Event ingestion: bodies built before the clock starts.
    const now = Date.now();
    const random = prng(5);
    const RECORD =
      'mutation($e: [AudienceEventInput!]!) { recordAudienceEvents(events: $e) { accepted rejected errors { index code message } } }';
    const bodies: Uint8Array[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const events = [];
      for (let i = 0; i < BATCH; i++) {
        const r = random();
        events.push({
          offerId: toGlobalId('Offer', offerIds[Math.floor(random() * offerIds.length)]),
          type: r < 0.9 ? 'IMPRESSION' : r < 0.98 ? 'VIEW' : 'APPLY_CLICK',
          visitorId: `visitor-${Math.floor(random() * VISITORS)}`,
          // Last 29.5 days: stays inside the 30 Paris days of the report and the 31-day window.
          occurredAt: new Date(now - 60_000 - Math.floor(random() * 29.5 * 86_400_000)).toISOString(),
        });
      }
      bodies.push(encodeBody(RECORD, { e: events }));
    }
    log(`Ingesting ${(BATCHES * BATCH).toLocaleString('en')} events in ${BATCHES} batches of ${BATCH}, ${CLIENTS} clients...`);
    let next = 0;
    let accepted = 0;
    let rejected = 0;
    let firstReject: string | null = null;
    started = Date.now();
    const ingestDeadline = Date.now() + 15 * 60_000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < bodies.length) {
          if (Date.now() > ingestDeadline) throw new Error('ingestion took more than 15 minutes');
          const body = bodies[next++];
          const r = (await post(agencyKey, body)).recordAudienceEvents;
          accepted += r.accepted;
          rejected += r.rejected;
          if (r.rejected) firstReject ??= JSON.stringify(r.errors[0]);
        }
      }),
    );
    const ingestSeconds = (Date.now() - started) / 1000;
    const eventsPerSecond = Math.round((BATCHES * BATCH) / ingestSeconds);
    log(
      `Ingestion: ${eventsPerSecond.toLocaleString('en')} events/s (${ingestSeconds.toFixed(1)} s), accepted ${accepted}, rejected ${rejected}${firstReject ? ` (first: ${firstReject})` : ''}`,
    );

    // 4. Aggregates at scale: 30 days x every offer, counters only, pseudo-random but deterministic
    //    (CRC32 of offer and day), added to what the ingestion wrote; scope rows are their sums.
    const today = parisDay(new Date());
    const from = addDays(today, -(DAYS - 1));
    const imp = "CRC32(CONCAT('i', o.id, ':', s.seq)) % 400";
    const vw = "CRC32(CONCAT('v', o.id, ':', s.seq)) % 40";
    const ac = "CRC32(CONCAT('a', o.id, ':', s.seq)) % 5";
    const dayExpr = `DATE_SUB('${today}', INTERVAL s.seq DAY)`;
    const days = `seq_0_to_${DAYS - 1}`;
    log(`Inserting ${DAYS} days x ${offerIds.length.toLocaleString('en')} offers of audience_offer_day rows...`);
    started = Date.now();
    const maxId = offerIds.reduce((m, id) => (id > m ? id : m), 0);
    const STEP = 25_000;
    for (let lo = 0; lo <= maxId; lo += STEP) {
      await dataSource.query(
        `INSERT INTO audience_offer_day (offer_id, day, impressions, views, apply_clicks)
         SELECT o.id, ${dayExpr}, ${imp}, ${vw}, ${ac} FROM offer o CROSS JOIN ${days} s WHERE o.id > ? AND o.id <= ?
         ON DUPLICATE KEY UPDATE impressions = impressions + VALUES(impressions), views = views + VALUES(views), apply_clicks = apply_clicks + VALUES(apply_clicks)`,
        [lo, lo + STEP],
      );
    }
    const scopeUpsert =
      'ON DUPLICATE KEY UPDATE impressions = impressions + VALUES(impressions), views = views + VALUES(views), apply_clicks = apply_clicks + VALUES(apply_clicks)';
    await dataSource.query(
      `INSERT INTO audience_scope_day (scope, day, impressions, views, apply_clicks)
       SELECT 0, ${dayExpr}, SUM(${imp}), SUM(${vw}), SUM(${ac}) FROM offer o CROSS JOIN ${days} s GROUP BY s.seq ${scopeUpsert}`,
    );
    await dataSource.query(
      `INSERT INTO audience_scope_day (scope, day, impressions, views, apply_clicks)
       SELECT o.partner_id, ${dayExpr}, SUM(${imp}), SUM(${vw}), SUM(${ac}) FROM offer o CROSS JOIN ${days} s
       WHERE o.partner_id IS NOT NULL GROUP BY o.partner_id, s.seq ${scopeUpsert}`,
    );
    phases.aggregateSeconds = (Date.now() - started) / 1000;
    const counts = Object.fromEntries(
      await Promise.all(
        ['audience_offer_day', 'audience_scope_day', 'audience_sketch', 'audience_sketch_delta'].map(async (t) => [
          t,
          Number((await dataSource.query(`SELECT COUNT(*) AS n FROM ${t}`))[0].n),
        ]),
      ),
    ) as Record<string, number>;
    log(`Aggregates in ${phases.aggregateSeconds.toFixed(0)} s: ${JSON.stringify(counts)}`);

    // 5. Reports under load.
    const REPORT = `query($p: ID, $from: Date!, $to: Date!) { audience(partnerId: $p, from: $from, to: $to, granularity: DAY) {
      from to series { periodStart periodEnd impressions views applyClicks uniqueVisitors } totals { impressions views applyClicks uniqueVisitors } } }`;
    const scenarios = [
      { name: 'one partner, 30 days (PARTNER key)', key: partnerKey, variables: { p: null, from, to: today } },
      { name: 'whole site, 30 days (AGENCY key)', key: agencyKey, variables: { p: null, from, to: today } },
    ];
    const loads = [];
    for (const s of scenarios) {
      const body = JSON.stringify({ query: REPORT, variables: s.variables });
      const report = (await post(s.key, body)).audience;
      if (report.series.length !== DAYS) throw new Error(`${s.name}: ${report.series.length} points, expected ${DAYS}`);
      if (!(report.totals.impressions > 0 && report.totals.uniqueVisitors > 0))
        throw new Error(`${s.name}: empty totals ${JSON.stringify(report.totals)}`);
      log(`${s.name}: verified, totals ${JSON.stringify(report.totals)}`);
      const loadFor = (seconds: number) =>
        runLoad({
          url: `${base}/graphql`,
          bodies: [body],
          connections: CONNECTIONS,
          seconds,
          timeoutSeconds: 10,
          headers: { authorization: `Bearer ${s.key}` },
        });
      await loadFor(WARMUP_SECONDS);
      const r = await loadFor(LOAD_SECONDS);
      log(
        `${s.name}: ${r.requestsPerSecond} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors + r.timeouts + r.non2xx + r.graphqlErrors}`,
      );
      loads.push({ name: s.name, totals: report.totals, ...r });
    }

    const mariadb = mysql('SELECT VERSION()');
    const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
    const result = {
      date: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu, node: process.version, mariadb, bufferPool },
      offers: offerIds.length,
      partners: partnerCount,
      reportPartner: { id: Number(top.id), offers: Number(top.n) },
      range: { from, to: today },
      phases,
      ingestion: {
        events: BATCHES * BATCH,
        batch: BATCH,
        clients: CLIENTS,
        seconds: ingestSeconds,
        eventsPerSecond,
        accepted,
        rejected,
        firstReject,
      },
      tableRows: counts,
      loads,
      hubSlowQueries: hub.child.slowQueries.slice(0, 20),
      hubErrorLines: hub.child.errorLines.slice(0, 20),
    };
    fs.writeFileSync(path.join(RESULTS_DIR, 'audience-latest.json'), JSON.stringify(result, null, 2));
    const yes = (ok: boolean) => (ok ? 'yes' : 'no');
    const md = [
      `Audience benchmark, ${result.date.slice(0, 10)}: ${result.machine.cores} cores (${cpu}), Node ${process.version}, MariaDB ${mariadb} (buffer pool ${(bufferPool / 1024 ** 3).toFixed(0)} GiB).`,
      `${offerIds.length.toLocaleString('en')} active offers (${partnerCount} partners; seeded in ${phases.seedSeconds.toFixed(0)} s). Aggregates: ${counts.audience_offer_day.toLocaleString('en')} offer-day rows (${DAYS} days x every offer, inserted with SQL), ${counts.audience_scope_day.toLocaleString('en')} scope-day rows; sketches only from the API ingestion (${counts.audience_sketch} sketches, ${counts.audience_sketch_delta} pending deltas). Report range ${from} to ${today}, DAY granularity; the partner is the largest (${Number(top.n).toLocaleString('en')} offers).`,
      '',
      '| measure | result | target | met? |',
      '|---|---|---|---|',
      `| event ingestion (${(BATCHES * BATCH).toLocaleString('en')} events, batches of ${BATCH}, ${CLIENTS} clients, HTTP) | ${eventsPerSecond.toLocaleString('en')} events/s (${ingestSeconds.toFixed(1)} s; ${accepted} accepted, ${rejected} rejected) | ≥ 20,000/s | ${yes(eventsPerSecond >= 20_000 && rejected === 0)} |`,
      ...loads.map((l) => {
        const errs = l.errors + l.timeouts + l.non2xx + l.graphqlErrors;
        return `| report: ${l.name}, ${CONNECTIONS} connections, ${LOAD_SECONDS} s | ${l.requestsPerSecond.toLocaleString('en')} req/s, p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms, ${errs} errors | p99 < 100 ms | ${yes(l.p99 < 100 && errs === 0)} |`;
      }),
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'audience-latest.md'), md + '\n');
    console.log('\n' + md);
  } finally {
    await stopAllChildren();
    await dataSource.destroy().catch(() => undefined);
  }
}

process.on('SIGINT', () => void stopAllChildren().then(() => process.exit(130)));
main()
  .then(() => process.exit(0))
  .catch(async (err) => {
    console.error('bench:audience failed:', err);
    await stopAllChildren();
    process.exit(1);
  });
