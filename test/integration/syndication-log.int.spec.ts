import type { DataSource } from 'typeorm';
import { OfferEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { FEED, PREFERENCES, expectedSet, readFeed, sorted, type HeldSet } from '../helpers/syndication';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';
import { fromDbDateTime } from '../../src/db/sql';

const AGENCY = { kind: 'AGENCY' as const };

describe.each(engines())('syndication change log on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'synd-log');
  });
  afterAll(() => t?.close());

  const optedInPartner = async (prefs: Record<string, unknown> = {}) => {
    const partner = await createPartner(t.dataSource);
    const as = t.as(await issueKey(t, 'PARTNER', partner));
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true, ...prefs } }));
    return { partner, as };
  };

  // MariaDB only: SQLite has one writer at a time, so its transactions cannot commit out of order.
  (engine === 'mysql' ? it : it.skip)(
    'skips no change when transactions commit out of order, where a cursor on the change id loses it',
    async () => {
      const { as } = await optedInPartner();
      const held: HeldSet = new Map();
      let { cursor } = await readFeed(as, held, null);
      // The naive feed: the change table read by its auto-increment id, from the last id seen.
      const naive = {
        lastId: Number((await t.dataSource.query('SELECT COALESCE(MAX(id), 0) AS id FROM syndication_pending'))[0].id),
        seen: new Set<number>(),
      };
      const naiveRead = async () => {
        const rows: Array<{ id: number; offer_id: number }> = await t.dataSource.query(
          'SELECT id, offer_id FROM syndication_pending WHERE id > ? ORDER BY id',
          [naive.lastId],
        );
        for (const r of rows) naive.seen.add(Number(r.offer_id));
        if (rows.length) naive.lastId = Number(rows[rows.length - 1].id);
      };

      // Transaction A writes first (its change gets the smaller id) but commits last.
      const a = t.dataSource.createQueryRunner();
      const b = t.dataSource.createQueryRunner();
      try {
        await a.startTransaction();
        const slow = await createOffer(a.manager as unknown as DataSource, { title: 'Committed last' });
        await b.startTransaction();
        const fast = await createOffer(b.manager as unknown as DataSource, { title: 'Committed first' });
        await b.commitTransaction();

        await naiveRead(); // sees B's change only, and moves its cursor past A's id
        ({ cursor } = await readFeed(as, held, cursor));
        expect(naive.seen.has(fast.id)).toBe(true);
        expect(held.has(toGlobalId('Offer', fast.id))).toBe(true);
        expect(naive.seen.has(slow.id)).toBe(false);
        expect(held.has(toGlobalId('Offer', slow.id))).toBe(false);

        await a.commitTransaction();
        await naiveRead();
        await readFeed(as, held, cursor);
        expect(naive.seen.has(slow.id)).toBe(false); // the naive cursor lost it for good
        expect(held.get(toGlobalId('Offer', slow.id))).toBe('Committed last'); // the feed did not
      } finally {
        if (a.isTransactionActive) await a.rollbackTransaction();
        if (b.isTransactionActive) await b.rollbackTransaction();
        await a.release();
        await b.release();
      }
    },
  );

  it('loses nothing with concurrent writers while a reader polls', async () => {
    const { as } = await optedInPartner();
    const held: HeldSet = new Map();
    let cursor: string | null = null;
    let writing = true;
    const { ingestion } = t.hub.services;
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let call = 0; call < 8; call++) {
        const offers = Array.from({ length: 25 }, (_, i) =>
          offerInput(`conc-${w}-${(call * 25 + i) % 120}`, { title: `w${w} c${call} i${i}` }),
        );
        await ingestion.upsertOffers(AGENCY, offers as never);
        if (call % 3 === 2) await ingestion.withdrawOffers(AGENCY, [`conc-${w}-${call}`]);
      }
    });
    const reader = (async () => {
      while (writing) ({ cursor } = await readFeed(as, held, cursor, 37));
    })();
    await Promise.all(writers);
    writing = false;
    await reader;
    await readFeed(as, held, cursor);
    expect(sorted(held)).toEqual(sorted(await expectedSet(t.dataSource, {})));
  }, 120_000);

  it('compacts: superseded changes leave, a cursor from before the horizon gets a snapshot (reset) then the tail', async () => {
    const { as } = await optedInPartner({ departmentCodes: ['74'] });
    const repo = t.dataSource.getRepository(OfferEntity);
    const offers = await Promise.all(Array.from({ length: 5 }, (_, i) => createOffer(t.dataSource, { title: `Compact ${i}` })));
    for (let round = 0; round < 3; round++) for (const o of offers) await repo.update({ id: o.id }, { title: `Compact ${o.id} r${round}` });
    const early: HeldSet = new Map();
    const { cursor: earlyCursor } = await readFeed(as, early, null);
    await repo.update({ id: offers[0].id }, { status: 'WITHDRAWN' });
    const { log } = t.hub.services.syndication;
    await log.sequence();
    const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM syndication_log'))[0].n);
    const distinct = async () =>
      Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM (SELECT DISTINCT offer_id, partner_id FROM syndication_log) d'))[0].n);
    const before = await count();

    // Retention 0 (everything is old enough), horizon far away: only superseded entries leave.
    // "Later" is taken from the log's own clock (the database's, which stamps changed_at in the
    // triggers), not the machine's: the two may differ (a faked test clock, a remote database).
    const newest = (await t.dataSource.query('SELECT MAX(changed_at) AS m FROM syndication_log'))[0].m;
    const later = new Date(fromDbDateTime(newest).getTime() + 60_000);
    const first = await log.compact(later, { retentionMs: 0, horizonMs: 365 * 86_400_000 });
    expect(first.superseded).toBeGreaterThanOrEqual(15);
    expect(first.purged).toBe(0);
    expect(await count()).toBe(before - first.superseded);
    const fresh: HeldSet = new Map();
    const replay = await readFeed(as, fresh, null);
    expect(replay.pages).toBeGreaterThan(0);
    expect(sorted(fresh)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));

    // Horizon passed: every entry goes; the early reader (holding the withdrawn offer) resets.
    await repo.update({ id: offers[1].id }, { title: 'After the purge' });
    const purge = await log.compact(later, { retentionMs: 0, horizonMs: 0 });
    expect(purge.purged).toBeGreaterThan(0);
    const snapshotPage = await as(FEED, { after: earlyCursor, first: 2 });
    expectNoErrors(snapshotPage);
    expect(snapshotPage.data.syndicationFeed).toMatchObject({ reset: true, hasMore: true });
    expect(early.has(toGlobalId('Offer', offers[0].id))).toBe(true);
    await readFeed(as, early, earlyCursor, 2);
    expect(early.has(toGlobalId('Offer', offers[0].id))).toBe(false);
    expect(early.get(toGlobalId('Offer', offers[1].id))).toBe('After the purge');
    expect(sorted(early)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));
    expect(await distinct()).toBeLessThanOrEqual(await count());
  });
});
