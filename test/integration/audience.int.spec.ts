import crypto from 'node:crypto';
import type { OfferEntity, PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';
import { requestScope } from '../../src/auth/request-scope';
import { hashPeriodsOf } from '../../src/audience/audience-keys';
import { HyperLogLog } from '../../src/lib/hyperloglog';
import type { SqlExecutor } from '../../src/db/sql-executor';

type Caller = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>;
type EventType = 'IMPRESSION' | 'VIEW' | 'APPLY_CLICK';
interface TestEvent {
  offerId: string;
  type: string;
  visitorId: string;
  occurredAt: string;
}

const AGENCY_VIEWER = { role: 'AGENCY' as const, apiKeyId: null };
const DAY_MS = 86_400_000;

/** The oracle for "which Paris day": Intl directly (sv-SE formats as YYYY-MM-DD), not the code under test. */
const parisDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' });
const dayOf = (iso: string | number) => parisDate.format(new Date(iso));
const shift = (day: string, days: number) => new Date(Date.parse(`${day}T12:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** A small deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const RECORD = `mutation($events: [AudienceEventInput!]!) { recordAudienceEvents(events: $events) { accepted rejected errors { index field code message } } }`;
const AUDIENCE = `query($partnerId: ID, $from: Date!, $to: Date!, $granularity: Granularity) {
  audience(partnerId: $partnerId, from: $from, to: $to, granularity: $granularity) {
    partner { code } from to granularity
    series { periodStart periodEnd impressions views applyClicks uniqueVisitors }
    totals { impressions views applyClicks uniqueVisitors }
  } }`;

/** Within 2 % of the exact count (or 1 for tiny counts). */
function expectUniques(actual: number, exact: number, what: string): void {
  const tolerance = Math.max(1, Math.ceil(exact * 0.02));
  if (Math.abs(actual - exact) > tolerance)
    throw new Error(`${what}: ${actual} unique visitors, exactly ${exact} (tolerance ${tolerance})`);
}

/**
 * A fixed visitor-hash key per period, stored before the hub first needs it (it then uses it, as
 * it would another process's): with the hub's random keys a HyperLogLog estimate is a random
 * variable even over the same visitors. At small counts the estimate is the number of distinct
 * registers the visitors hit (linear counting), so two visitors sharing one of the 32,768
 * registers count once: at 135 visitors one run in ~4,000 lost 4 of them to collisions and failed
 * the 2 % check, with nothing lost by the hub; over every day, scope and clock of this suite about
 * one run in 60 failed somewhere. With these keys every run hashes the same way.
 */
const testKey = (period: string) => crypto.createHash('sha256').update(`audience.int.spec.ts visitor key ${period}`).digest();

/** Stores the test keys of the periods that events of these days are hashed under (and no other: the purge test counts them). */
async function pinKeys(t: TestHub, days: Iterable<string>): Promise<void> {
  for (const period of new Set([...days].flatMap(hashPeriodsOf))) {
    await t.dataSource.query('INSERT INTO audience_secret (period, secret, created_at) VALUES (?, ?, ?)', [
      period,
      testKey(period).toString('hex'),
      '2020-01-01 00:00:00',
    ]);
  }
}

/**
 * What the hub must answer for these visitors over a period of at most 31 days ending in the month
 * `period` (docs/audience.md, the counting rule): the estimate of one sketch built here from the
 * exact visitor set. The hub builds it from batch deltas, folds, cached day sketches and merges;
 * any visitor lost (or added) on the way changes it, where the 2 % check would hide a few.
 */
function expectedUniques(visitors: Iterable<string>, period: string): number {
  const sketch = new HyperLogLog();
  for (const visitorId of new Set(visitors)) {
    const digest = crypto.createHmac('sha256', testKey(period)).update(visitorId, 'utf8').digest();
    sketch.addHash(digest.readUInt32BE(0), digest.readUInt32BE(4));
  }
  return Math.round(sketch.count());
}

/**
 * "Today" for the hub and for the events, injected: never the machine's date. The first of a
 * month, the first of January (a year boundary) and a day of the week after a DST change (the
 * autumn one, 25 October 2026; and 1 April 2027, days after the spring one).
 */
const CLOCKS = ['2026-12-01T08:30:00Z', '2027-01-01T11:00:00Z', '2026-10-28T15:00:00Z', '2027-04-01T05:00:00Z'];
const RUNS = engines().flatMap((engine) => CLOCKS.map((clock) => [engine, clock] as const));

describe.each(RUNS)('audience collection and reports on %s, today being %s', (engine, clock) => {
  const NOW = Date.parse(clock);
  let t: TestHub;
  let partnerA: PartnerEntity;
  let partnerB: PartnerEntity;
  let offersA: OfferEntity[];
  let offersB: OfferEntity[];
  let agencyOffers: OfferEntity[];
  const as: Record<'public' | 'agency' | 'partnerA' | 'partnerB', Caller> = {} as never;

  beforeAll(async () => {
    t = await startTestHub(engine, 'audience', { clock: () => new Date(NOW) });
    partnerA = await createPartner(t.dataSource, { code: 'board-a' });
    partnerB = await createPartner(t.dataSource, { code: 'board-b' });
    offersA = [
      await createOffer(t.dataSource, { partner: partnerA }),
      await createOffer(t.dataSource, { partner: partnerA }),
      await createOffer(t.dataSource, { partner: partnerA }),
    ];
    offersB = [await createOffer(t.dataSource, { partner: partnerB }), await createOffer(t.dataSource, { partner: partnerB })];
    agencyOffers = [await createOffer(t.dataSource), await createOffer(t.dataSource)];
    as.public = (q, v) => t.gql(q, v);
    as.agency = t.as(await issueKey(t, 'AGENCY'));
    as.partnerA = t.as(await issueKey(t, 'PARTNER', partnerA));
    as.partnerB = t.as(await issueKey(t, 'PARTNER', partnerB));
  });
  afterAll(() => t?.close());

  describe('aggregation against a brute-force count of generated events', () => {
    const events: TestEvent[] = [];
    let today: string;
    let partnerOfOffer: Map<string, number | null>;

    beforeAll(async () => {
      const now = NOW;
      today = dayOf(now);
      const next = random(42);
      const all = [...offersA, ...offersB, ...agencyOffers];
      partnerOfOffer = new Map(all.map((o) => [toGlobalId('Offer', o.id), o.partnerId]));
      const types: EventType[] = ['IMPRESSION', 'IMPRESSION', 'IMPRESSION', 'VIEW', 'VIEW', 'APPLY_CLICK'];
      for (let i = 0; i < 3000; i++) {
        events.push({
          offerId: toGlobalId('Offer', all[Math.floor(next() * all.length)].id),
          type: types[Math.floor(next() * types.length)],
          visitorId: `visitor-${Math.floor(next() * 600)}`,
          // within the last 6.5 days (the accepted window is 7), never in the future
          occurredAt: new Date(now - Math.floor(next() * 6.5 * DAY_MS)).toISOString(),
        });
      }
      await pinKeys(
        t,
        events.map((e) => dayOf(e.occurredAt)),
      );
      for (let i = 0; i < events.length; i += 1000) {
        const res = await as.agency(RECORD, { events: events.slice(i, i + 1000) });
        expectNoErrors(res);
        expect(res.data.recordAudienceEvents).toEqual({ accepted: 1000, rejected: 0, errors: [] });
      }
    });

    /** The events matching `keep` whose Paris day is within [from, to]. */
    const pick = (keep: (e: TestEvent) => boolean, from: string, to: string) =>
      events.filter((e) => keep(e) && dayOf(e.occurredAt) >= from && dayOf(e.occurredAt) <= to);
    /** The exact figures of the events matching `keep` whose Paris day is within [from, to]. */
    const exact = (keep: (e: TestEvent) => boolean, from: string, to: string) => {
      const picked = pick(keep, from, to);
      const count = (type: EventType) => picked.filter((e) => e.type === type).length;
      return {
        impressions: count('IMPRESSION'),
        views: count('VIEW'),
        applyClicks: count('APPLY_CLICK'),
        uniqueVisitors: new Set(picked.map((e) => e.visitorId)).size,
      };
    };

    const scopes: Array<[string, (e: TestEvent) => boolean, () => Caller, () => string | null]> = [
      ['partner A, as itself', (e) => partnerOfOffer.get(e.offerId) === partnerA.id, () => as.partnerA, () => null],
      [
        'partner B, as the agency',
        (e) => partnerOfOffer.get(e.offerId) === partnerB.id,
        () => as.agency,
        () => toGlobalId('Partner', partnerB.id),
      ],
      ['the whole site', () => true, () => as.agency, () => null],
    ];

    it.each(scopes)('reports exact counts and near-exact uniques per day, zero-filled, for %s', async (_name, keep, caller, partnerId) => {
      const from = shift(today, -9); // three days before the first event: they must be there, with zeros
      const res = await caller()(AUDIENCE, { partnerId: partnerId(), from, to: today, granularity: 'DAY' });
      expectNoErrors(res);
      const report = res.data.audience;
      expect(report.series.map((p: any) => p.periodStart)).toEqual(Array.from({ length: 10 }, (_, i) => shift(from, i)));
      for (const point of report.series) {
        expect(point.periodEnd).toBe(point.periodStart);
        const expected = exact(keep, point.periodStart, point.periodEnd);
        expect({ ...point, uniqueVisitors: 0 }).toEqual({
          periodStart: point.periodStart,
          periodEnd: point.periodEnd,
          ...expected,
          uniqueVisitors: 0,
        });
        expectUniques(point.uniqueVisitors, expected.uniqueVisitors, `${_name} on ${point.periodStart}`);
        const visitors = pick(keep, point.periodStart, point.periodEnd).map((e) => e.visitorId);
        expect({ day: point.periodStart, uniqueVisitors: point.uniqueVisitors }).toEqual({
          day: point.periodStart,
          uniqueVisitors: expectedUniques(visitors, point.periodEnd.slice(0, 7)),
        });
      }
      expect(report.series.slice(0, 2).every((p: any) => p.impressions + p.views + p.applyClicks + p.uniqueVisitors === 0)).toBe(true);
      const totals = exact(keep, from, today);
      expect({ ...report.totals, uniqueVisitors: 0 }).toEqual({ ...totals, uniqueVisitors: 0 });
      expectUniques(report.totals.uniqueVisitors, totals.uniqueVisitors, `${_name} totals`);
      const visitors = pick(keep, from, today).map((e) => e.visitorId);
      expect(report.totals.uniqueVisitors).toBe(expectedUniques(visitors, today.slice(0, 7)));
    });

    it.each(['WEEK', 'MONTH'])(
      'merges days into %s periods (clipped to the range) without counting a returning visitor twice',
      async (granularity) => {
        const from = shift(today, -9);
        const res = await as.agency(AUDIENCE, { from, to: today, granularity });
        expectNoErrors(res);
        const series = res.data.audience.series;
        expect(series[0].periodStart).toBe(from);
        expect(series[series.length - 1].periodEnd).toBe(today);
        for (let i = 1; i < series.length; i++) expect(series[i].periodStart).toBe(shift(series[i - 1].periodEnd, 1));
        for (const point of series) {
          const expected = exact(() => true, point.periodStart, point.periodEnd);
          expect([point.impressions, point.views, point.applyClicks]).toEqual([expected.impressions, expected.views, expected.applyClicks]);
          expectUniques(point.uniqueVisitors, expected.uniqueVisitors, `${granularity} from ${point.periodStart}`);
          const visitors = pick(() => true, point.periodStart, point.periodEnd).map((e) => e.visitorId);
          expect(point.uniqueVisitors).toBe(expectedUniques(visitors, point.periodEnd.slice(0, 7)));
        }
      },
    );

    it('gives each offer its last 30 days to its own partner and to the agency, null to anyone else, in one statement per page', async () => {
      const ids = [...offersA, ...offersB, ...agencyOffers].map((o) => toGlobalId('Offer', o.id));
      const QUERY = `query(${ids.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${ids
        .map((_, i) => `o${i}: node(id: $id${i}) { ... on Offer { audience { from to impressions views applyClicks } } }`)
        .join(' ')} }`;
      const variables = Object.fromEntries(ids.map((id, i) => [`id${i}`, id]));
      const audienceOf = async (caller: Caller) => {
        const res = await caller(QUERY, variables);
        expectNoErrors(res);
        return ids.map((_, i) => res.data[`o${i}`].audience);
      };
      const expectedFor = (id: string) => {
        const e = exact((ev) => ev.offerId === id, shift(today, -29), today);
        return { from: shift(today, -29), to: today, impressions: e.impressions, views: e.views, applyClicks: e.applyClicks };
      };
      expect(await audienceOf(as.agency)).toEqual(ids.map(expectedFor));
      expect(await audienceOf(as.partnerA)).toEqual(ids.map((id) => (partnerOfOffer.get(id) === partnerA.id ? expectedFor(id) : null)));
      expect(await audienceOf(as.public)).toEqual(ids.map(() => null));

      // Batched: asking for the audience of a whole page costs one more statement, whatever its size.
      const PAGE = (withAudience: boolean) => `{ offers(first: 50) { edges { node { id ${withAudience ? 'audience { views }' : ''} } } } }`;
      const statements = async (q: string) => {
        await t.settle();
        const before = t.sqlCount();
        expectNoErrors(await as.agency(q));
        return t.sqlCount() - before;
      };
      await statements(PAGE(false)); // warm up (key lookup, lastUsedAt)
      expect((await statements(PAGE(true))) - (await statements(PAGE(false)))).toBe(1);
    });
  });

  it('keeps the good events of a batch and rejects each bad one with its reasons', async () => {
    const now = NOW;
    const offer = toGlobalId('Offer', agencyOffers[0].id);
    const ok = { offerId: offer, type: 'VIEW', visitorId: 'someone', occurredAt: new Date(now - 60_000).toISOString() };
    const events = [
      ok,
      { ...ok, offerId: toGlobalId('Offer', 987654) },
      { ...ok, offerId: 'not-an-id' },
      { ...ok, offerId: toGlobalId('Partner', partnerA.id) },
      { ...ok, type: 'CLICK' },
      { ...ok, occurredAt: new Date(now + 3_600_000).toISOString() },
      { ...ok, occurredAt: new Date(now - 10 * DAY_MS).toISOString() },
      { ...ok, visitorId: '' },
      { ...ok, visitorId: 'x'.repeat(257) },
      { offerId: 'bad', type: 'bad', visitorId: '', occurredAt: new Date(now + DAY_MS).toISOString() },
      { ...ok, type: 'APPLY_CLICK' },
    ];
    const before = await as.agency(AUDIENCE, { from: dayOf(now), to: dayOf(now) });
    const res = await as.agency(RECORD, { events });
    expectNoErrors(res);
    const payload = res.data.recordAudienceEvents;
    expect(payload).toMatchObject({ accepted: 2, rejected: 9 });
    const codes = (index: number) => payload.errors.filter((e: any) => e.index === index).map((e: any) => `${e.field}:${e.code}`);
    expect(codes(0)).toEqual([]);
    expect(codes(1)).toEqual(['offerId:UNKNOWN_OFFER']);
    expect(codes(2)).toEqual(['offerId:INVALID_ID']);
    expect(codes(3)).toEqual(['offerId:INVALID_ID']);
    expect(codes(4)).toEqual(['type:UNKNOWN_TYPE']);
    expect(codes(5)).toEqual(['occurredAt:FUTURE_DATE']);
    expect(codes(6)).toEqual(['occurredAt:TOO_OLD']);
    expect(codes(7)).toEqual(['visitorId:EMPTY']);
    expect(codes(8)).toEqual(['visitorId:TOO_LONG']);
    expect(codes(9)).toEqual(['offerId:INVALID_ID', 'type:UNKNOWN_TYPE', 'visitorId:EMPTY', 'occurredAt:FUTURE_DATE']);
    expect(codes(10)).toEqual([]);
    expect(payload.errors.every((e: any) => e.message.length > 5)).toBe(true);
    const after = await as.agency(AUDIENCE, { from: dayOf(now), to: dayOf(now) });
    expect(after.data.audience.totals.views - before.data.audience.totals.views).toBe(1);
    expect(after.data.audience.totals.applyClicks - before.data.audience.totals.applyClicks).toBe(1);
  });

  it('loses nothing when batches arrive at the same time', async () => {
    const offer = await createOffer(t.dataSource, { partner: partnerA });
    const id = toGlobalId('Offer', offer.id);
    const now = NOW;
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 400 }, (_, i) => ({
        offerId: id,
        type: i % 2 ? 'VIEW' : 'IMPRESSION',
        visitorId: `concurrent-${(b * 400 + i) % 1500}`,
        occurredAt: new Date(now - (i % 2) * DAY_MS).toISOString(),
      })),
    );
    const days = [dayOf(now - DAY_MS), dayOf(now)];
    const totals = async () =>
      (await as.agency(AUDIENCE, { partnerId: toGlobalId('Partner', partnerA.id), from: days[0], to: days[1] })).data.audience.totals;
    const before = await totals();
    const results = await Promise.all(batches.map((events) => as.agency(RECORD, { events })));
    for (const res of results) expect(res.data?.recordAudienceEvents.accepted).toBe(400);
    const audience = await as.partnerA('query($id: ID!) { node(id: $id) { ... on Offer { audience { impressions views } } } }', { id });
    expect(audience.data.node.audience).toEqual({ impressions: 1200, views: 1200 });
    const after = await totals();
    expect([after.impressions - before.impressions, after.views - before.views]).toEqual([1200, 1200]);
  });

  it('loses no visitor when a fold commits between the report reading the pending deltas and reading the sketches', async () => {
    const service = t.hub.services.audience;
    const partner = await createPartner(t.dataSource, { code: 'board-fold' });
    const offerId = toGlobalId('Offer', (await createOffer(t.dataSource, { partner })).id);
    const today = dayOf(NOW);
    const record = (from: number, to: number) =>
      service.recordEvents(
        requestScope(AGENCY_VIEWER, new Date(NOW)),
        Array.from({ length: to - from }, (_, i) => ({ offerId, type: 'VIEW', visitorId: `fold-${from + i}`, occurredAt: new Date(NOW) })),
      );
    await record(0, 40);
    await service.foldSketchDeltas(); // the day has a stored sketch...
    await record(40, 80); // ...and a pending delta
    const report = () =>
      service.report(requestScope(AGENCY_VIEWER, new Date(NOW)), { partnerId: partner.id, from: today, to: today, granularity: 'DAY' });
    const before = await report();
    expect(before.totals.views).toBe(80);

    // Fold as soon as the report has read either table of the day's sketch, before it reads the other.
    const executor = (service as unknown as { executor: SqlExecutor }).executor;
    const all = executor.all;
    let folded = 0;
    executor.all = async function (this: SqlExecutor, statement) {
      const rows = await all.call(this, statement);
      if (!folded && /FROM audience_sketch(_delta)? WHERE scope/.test(statement.text)) {
        folded++;
        expect(await service.foldSketchDeltas()).toBeGreaterThan(0);
      }
      return rows as never;
    } as SqlExecutor['all'];
    let during;
    try {
      during = await report();
    } finally {
      executor.all = all;
    }
    expect(folded).toBe(1);
    expect(Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM audience_sketch_delta'))[0].n)).toBe(0);
    expect(during.totals).toEqual(before.totals);
    expect(await report()).toEqual(before);
  });

  it('refuses more than 10,000 events in one call, naming the limit, and records none of them', async () => {
    const event = {
      offerId: toGlobalId('Offer', agencyOffers[1].id),
      type: 'IMPRESSION',
      visitorId: 'bulk',
      occurredAt: new Date(NOW).toISOString(),
    };
    const impressions = async () =>
      (await as.agency('query($id: ID!) { node(id: $id) { ... on Offer { audience { impressions } } } }', { id: event.offerId })).data.node
        .audience.impressions;
    const before = await impressions();
    const res = await as.agency(RECORD, { events: Array(10_001).fill(event) });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/at most 10000 events/);
    expect(await impressions()).toBe(before);
    expect((await as.agency(RECORD, { events: Array(10_000).fill(event) })).data.recordAudienceEvents.accepted).toBe(10_000);
    expect(await impressions()).toBe(before + 10_000);
  });

  it('counts events on Europe/Paris days across midnight and both DST changes', async () => {
    const offer = await createOffer(t.dataSource, { partner: partnerB });
    const id = toGlobalId('Offer', offer.id);
    const at = (iso: string, visitorId: string) => ({ offerId: id, type: 'VIEW', visitorId, occurredAt: new Date(iso) });
    // The service takes "now" so that these fixed dates are inside the accepted window.
    const record = (events: ReturnType<typeof at>[], now: string) =>
      t.hub.services.audience.recordEvents(requestScope(AGENCY_VIEWER, new Date(now)), events);
    expect(
      await record(
        [
          at('2025-03-29T22:59:59.999Z', 'v1'), // 23:59:59 on Saturday 29 (UTC+1)
          at('2025-03-29T23:00:00.000Z', 'v2'), // midnight: Sunday 30
          at('2025-03-30T01:30:00.000Z', 'v3'), // 03:30 just after the spring-forward gap
          at('2025-03-30T21:59:59.000Z', 'v4'), // 23:59:59 on Sunday 30 (now UTC+2)
          at('2025-03-30T22:00:00.000Z', 'v5'), // midnight: Monday 31
        ],
        '2025-03-31T12:00:00Z',
      ),
    ).toMatchObject({ accepted: 5, rejected: 0 });
    expect(
      await record(
        [
          at('2025-10-25T21:59:59.000Z', 'w1'), // 23:59:59 on Saturday 25 (UTC+2)
          at('2025-10-26T00:30:00.000Z', 'w2'), // 02:30, first time
          at('2025-10-26T01:30:00.000Z', 'w3'), // 02:30 again after falling back
          at('2025-10-26T22:59:59.000Z', 'w4'), // 23:59:59 on Sunday 26 (UTC+1)
          at('2025-10-26T23:00:00.000Z', 'w5'), // midnight: Monday 27
        ],
        '2025-10-27T12:00:00Z',
      ),
    ).toMatchObject({ accepted: 5, rejected: 0 });
    const views = async (from: string, to: string) => {
      const res = await as.partnerB(AUDIENCE, { from, to });
      expectNoErrors(res);
      return Object.fromEntries(res.data.audience.series.map((p: any) => [p.periodStart, [p.views, p.uniqueVisitors]]));
    };
    expect(await views('2025-03-28', '2025-04-01')).toEqual({
      '2025-03-28': [0, 0],
      '2025-03-29': [1, 1],
      '2025-03-30': [3, 3],
      '2025-03-31': [1, 1],
      '2025-04-01': [0, 0],
    });
    expect(await views('2025-10-25', '2025-10-27')).toEqual({ '2025-10-25': [1, 1], '2025-10-26': [3, 3], '2025-10-27': [1, 1] });
  });

  it('counts a returning visitor once in any range of up to 31 days, across month and year ends; once per month beyond 31 days', async () => {
    const offer = await createOffer(t.dataSource, { partner: partnerB });
    const id = toGlobalId('Offer', offer.id);
    const at = (iso: string, visitorId: string) => ({ offerId: id, type: 'IMPRESSION', visitorId, occurredAt: new Date(iso) });
    const record = (events: ReturnType<typeof at>[], now: string) =>
      t.hub.services.audience.recordEvents(requestScope(AGENCY_VIEWER, new Date(now)), events);
    // Around a month end: "loyal" comes back on 1 February.
    await record(
      [
        at('2024-01-29T10:00:00Z', 'loyal'),
        at('2024-01-30T10:00:00Z', 'loyal'),
        at('2024-01-31T10:00:00Z', 'loyal'),
        at('2024-01-31T11:00:00Z', 'once'),
      ],
      '2024-02-01T12:00:00Z',
    );
    await record([at('2024-02-01T10:00:00Z', 'loyal')], '2024-02-01T12:00:00Z');
    const month = await as.partnerB(AUDIENCE, { from: '2024-01-29', to: '2024-02-01', granularity: 'MONTH' });
    expectNoErrors(month);
    expect(month.data.audience.series.map((p: any) => [p.periodStart, p.periodEnd, p.impressions, p.uniqueVisitors])).toEqual([
      ['2024-01-29', '2024-01-31', 4, 2],
      ['2024-02-01', '2024-02-01', 1, 1],
    ]);
    expect(month.data.audience.totals).toMatchObject({ impressions: 5, uniqueVisitors: 2 });
    const week = await as.partnerB(AUDIENCE, { from: '2024-01-29', to: '2024-02-04', granularity: 'WEEK' });
    expect(week.data.audience.series).toEqual([
      { periodStart: '2024-01-29', periodEnd: '2024-02-04', impressions: 5, views: 0, applyClicks: 0, uniqueVisitors: 2 },
    ]);

    // Around a year end, over exactly 31 days: the first and the last day share a key.
    await record([at('2024-12-02T10:00:00Z', 'yearly'), at('2024-12-02T10:00:00Z', 'december')], '2024-12-03T12:00:00Z');
    await record([at('2024-12-31T22:30:00Z', 'yearly')], '2025-01-02T12:00:00Z'); // 23:30 on the 31st in Paris
    await record([at('2025-01-01T10:00:00Z', 'yearly'), at('2025-01-01T10:00:00Z', 'january')], '2025-01-02T12:00:00Z');
    const days31 = await as.partnerB(AUDIENCE, { from: '2024-12-02', to: '2025-01-01', granularity: 'WEEK' });
    expectNoErrors(days31);
    expect(days31.data.audience.totals).toMatchObject({ impressions: 5, uniqueVisitors: 3 });
    expect(days31.data.audience.series.find((p: any) => p.periodStart === '2024-12-30')).toMatchObject({
      periodEnd: '2025-01-01',
      impressions: 3,
      uniqueVisitors: 2,
    });

    // Beyond 31 days the range is counted per calendar month and the months' uniques are added.
    const longer = await as.partnerB(AUDIENCE, { from: '2024-12-01', to: '2025-01-31', granularity: 'MONTH' });
    expectNoErrors(longer);
    expect(longer.data.audience.series.map((p: any) => p.uniqueVisitors)).toEqual([2, 2]);
    expect(longer.data.audience.totals).toMatchObject({ impressions: 5, uniqueVisitors: 4 });
  });

  it('never stores a visitor id, and forgets a key once no event can be hashed under it any more', async () => {
    const marker = `visitor-marker-${NOW}-7f3a9c`;
    const offer = toGlobalId('Offer', agencyOffers[0].id);
    const res = await as.agency(RECORD, {
      events: [{ offerId: offer, type: 'VIEW', visitorId: marker, occurredAt: new Date(NOW).toISOString() }],
    });
    expect(res.data.recordAudienceEvents.accepted).toBe(1);
    // Not in any column of any audience table, nor (SQLite) anywhere in the database files.
    for (const table of ['audience_offer_day', 'audience_scope_day', 'audience_sketch', 'audience_sketch_delta', 'audience_secret']) {
      for (const row of await t.dataSource.query(`SELECT * FROM ${table}`)) {
        for (const value of Object.values(row as Record<string, unknown>)) {
          expect(Buffer.isBuffer(value) ? value.includes(marker) : String(value).includes(marker)).toBe(false);
        }
      }
    }
    if (engine === 'sqlite') {
      const fs = await import('node:fs');
      const file = (t.dataSource.options as { database: string }).database;
      for (const path of [file, `${file}-wal`]) if (fs.existsSync(path)) expect(fs.readFileSync(path).includes(marker)).toBe(false);
    }
    // The keys of 2024 and January 2025 (recorded above) are gone once their window has passed;
    // today's month's is kept, and so is the next month's when today is within 30 days of it.
    const periods = async () =>
      (await t.dataSource.query('SELECT period FROM audience_secret ORDER BY period')).map((r: { period: string }) => r.period);
    expect(await periods()).toEqual(expect.arrayContaining(['2024-01', '2024-02', '2024-12', '2025-01']));
    await t.hub.services.audience.purgeExpiredSecrets(new Date(NOW));
    const nextMonth = dayOf(Date.parse(`${dayOf(NOW).slice(0, 7)}-28T12:00:00Z`) + 5 * DAY_MS).slice(0, 7);
    expect((await periods()).filter((p: string) => p < '2025-06')).toEqual([]);
    const daysToNextMonth = Math.round((Date.parse(`${nextMonth}-01T12:00:00Z`) - Date.parse(`${dayOf(NOW)}T12:00:00Z`)) / DAY_MS);
    expect(await periods()).toContain(dayOf(NOW).slice(0, 7));
    expect((await periods()).includes(nextMonth)).toBe(daysToNextMonth <= 30);
  });

  describe('who may see what', () => {
    const today = dayOf(NOW);
    it.each([
      ['public', null, 'UNAUTHENTICATED'],
      ['partnerA', null, 'OK:board-a'],
      ['partnerA', 'A', 'OK:board-a'],
      ['partnerA', 'B', 'FORBIDDEN'],
      ['agency', null, 'OK:site'],
      ['agency', 'B', 'OK:board-b'],
    ] as const)('audience as %s for partner %s: %s', async (who, partner, expected) => {
      const partnerId = partner === null ? null : toGlobalId('Partner', partner === 'A' ? partnerA.id : partnerB.id);
      const res = await as[who](AUDIENCE, { partnerId, from: today, to: today });
      if (expected.startsWith('OK')) {
        expectNoErrors(res);
        expect(res.data.audience.partner?.code ?? 'site').toBe(expected.slice(3));
      } else {
        expect(res.errors?.[0].extensions?.code).toBe(expected);
        expect(res.data?.audience ?? null).toBeNull();
      }
    });

    it.each([
      ['public', 'UNAUTHENTICATED'],
      ['partnerA', 'FORBIDDEN'],
      ['agency', 'OK'],
    ] as const)('recordAudienceEvents and hubStats as %s: %s', async (who, expected) => {
      const event = {
        offerId: toGlobalId('Offer', offersA[0].id),
        type: 'VIEW',
        visitorId: 'authz',
        occurredAt: new Date(NOW).toISOString(),
      };
      for (const res of [await as[who](RECORD, { events: [event] }), await as[who]('{ hubStats { activeOffers } }')]) {
        if (expected === 'OK') expectNoErrors(res);
        else expect(res.errors?.[0].extensions?.code).toBe(expected);
      }
    });

    it('bounds the range: at most 366 days, from before to', async () => {
      expectNoErrors(await as.agency(AUDIENCE, { from: '2024-01-01', to: '2024-12-31', granularity: 'MONTH' })); // 366 days
      for (const [from, to] of [
        ['2024-01-01', '2025-01-01'],
        ['2024-02-02', '2024-02-01'],
      ]) {
        const res = await as.agency(AUDIENCE, { from, to });
        expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toMatch(/366|before/);
      }
      const bad = await as.agency(AUDIENCE, { from: '2024-02-30', to: '2024-03-01' });
      expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});
