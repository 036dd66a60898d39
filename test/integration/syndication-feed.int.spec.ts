import { OfferEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { FEED, PREFERENCES, expectedSet, readFeed, sorted, type HeldSet } from '../helpers/syndication';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';
import { prng } from '../../src/lib/prng';

const AGENCY = { kind: 'AGENCY' as const };
/** Fixed instants: validation judges validThrough and publishedAt against `now`. */
const T0 = new Date('2026-03-02T08:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const PLACES = [
  { postalCode: '74000' }, // 74, region 84
  { postalCode: '69001' }, // 69, region 84
  { postalCode: '75001' }, // 75, region 11
  { postalCode: '13001' }, // 13, region 93
];
const ROME = ['M1805', 'G1803', 'G1602', 'N1101', 'H1502'];
const CONTRACTS = ['PERMANENT', 'FIXED_TERM', 'SEASONAL'];

describe.each(engines())('syndication feed on %s', (engine) => {
  let t: TestHub;
  let asAgency: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'synd-feed');
    asAgency = t.as(await issueKey(t, 'AGENCY'));
  });
  afterAll(() => t?.close());

  const newPartner = async () => {
    const partner = await createPartner(t.dataSource);
    return { partner, as: t.as(await issueKey(t, 'PARTNER', partner)) };
  };

  it('is for partners only, and empty until the partner opts in', async () => {
    expect((await t.gql(FEED)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await asAgency(FEED)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await createOffer(t.dataSource, { title: 'Agency offer before opt-in' });
    const { as } = await newPartner();
    const res = await as(FEED, { first: 10 });
    expectNoErrors(res);
    expect(res.data.syndicationFeed).toMatchObject({ changes: [], hasMore: false, reset: false });
    expect((await as(FEED, { first: 0 })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await as(FEED, { after: 'bm9wZQ' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true } }));
    const ahead = Buffer.from('t:999999999').toString('base64url'); // well-formed, but no such position yet
    expect((await as(FEED, { after: ahead })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await asAgency(PREFERENCES, { input: { enabled: true } })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it("shows a partner's settings to the agency (one statement for every partner), and stops a suspended partner's feed", async () => {
    const { partner, as } = await newPartner();
    const never = await createPartner(t.dataSource);
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true, contractTypes: ['SEASONAL'] } }));
    const before = t.sqlCount();
    const res = await asAgency(`{ partners { id syndication { enabled status preferences { contractTypes } } } }`);
    expectNoErrors(res);
    expect(t.sqlCount() - before).toBeLessThanOrEqual(3); // key lookup, partners, their settings
    const row = res.data.partners.find((p: { id: string }) => p.id === toGlobalId('Partner', partner.id));
    expect(row.syndication).toEqual({ enabled: true, status: 'FEED', preferences: { contractTypes: ['SEASONAL'] } });
    expect(res.data.partners.find((p: { id: string }) => p.id === toGlobalId('Partner', never.id)).syndication).toMatchObject({
      enabled: false,
      status: 'OFF',
    });
    expectNoErrors(await asAgency(`mutation($id: ID!) { suspendPartner(id: $id) { id } }`, { id: toGlobalId('Partner', partner.id) }));
    expect((await as(FEED)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('carries agency offers only, never those reserved for job seekers, and REMOVEs an offer that becomes reserved', async () => {
    const { partner, as } = await newPartner();
    const other = await createPartner(t.dataSource);
    const plain = await createOffer(t.dataSource, { title: 'Plain agency offer' });
    const reserved = await createOffer(t.dataSource, { title: 'Reserved agency offer', reservedForJobseekers: true });
    const partners = await createOffer(t.dataSource, { title: "A partner's offer", partner: other });
    const res = await as(PREFERENCES, { input: { enabled: true } });
    expectNoErrors(res);
    expect(res.data.updateSyndicationPreferences).toMatchObject({
      id: toGlobalId('Partner', partner.id),
      syndication: { enabled: true, status: 'FEED' },
    });

    const held: HeldSet = new Map();
    const first = await readFeed(as, held, null);
    expect(held.get(toGlobalId('Offer', plain.id))).toBe('Plain agency offer');
    expect(held.has(toGlobalId('Offer', reserved.id))).toBe(false);
    expect(held.has(toGlobalId('Offer', partners.id))).toBe(false);
    expect(sorted(held)).toEqual(sorted(await expectedSet(t.dataSource, {})));

    await t.dataSource.getRepository(OfferEntity).update({ id: plain.id }, { reservedForJobseekers: true });
    const res2 = await as(FEED, { after: first.cursor });
    expectNoErrors(res2);
    expect(res2.data.syndicationFeed.changes).toEqual([
      expect.objectContaining({ kind: 'REMOVE', offerId: toGlobalId('Offer', plain.id), offer: null }),
    ]);
  });

  it('moves a partner from its old set to its new one when it changes its preferences', async () => {
    const { partner, as } = await newPartner();
    const seventyFour = await createOffer(t.dataSource, { commune: '74010', romeCode: 'G1803', title: 'Annecy G1803' });
    const lyon = await createOffer(t.dataSource, { commune: '69123', romeCode: 'M1805', title: 'Lyon M1805' });
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true, departmentCodes: ['74'] } }));
    const held: HeldSet = new Map();
    let { cursor } = await readFeed(as, held, null);
    expect(held.has(toGlobalId('Offer', seventyFour.id))).toBe(true);
    expect(held.has(toGlobalId('Offer', lyon.id))).toBe(false);
    expect(sorted(held)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));

    // 74 -> 69 + ROME domain M: the Annecy offers leave, Lyon's M offers come in, from the same cursor.
    const res = await as(PREFERENCES, { input: { enabled: true, departmentCodes: ['69'], romeDomainCodes: ['M'] } });
    expectNoErrors(res);
    expect(res.data.updateSyndicationPreferences.syndication.preferences).toEqual({
      romeCodes: [],
      romeDomainCodes: ['M'],
      regionCodes: [],
      departmentCodes: ['69'],
      contractTypes: [],
    });
    ({ cursor } = await readFeed(as, held, cursor));
    expect(held.has(toGlobalId('Offer', seventyFour.id))).toBe(false);
    expect(held.has(toGlobalId('Offer', lyon.id))).toBe(true);
    expect(sorted(held)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['69'], romeDomainCodes: ['M'] })));

    // Opting out: an empty feed that keeps the cursor; preferences changed meanwhile apply when it opts in again.
    expectNoErrors(await as(PREFERENCES, { input: { enabled: false, departmentCodes: ['74'] } }));
    const off = await as(FEED, { after: cursor });
    expect(off.data.syndicationFeed).toMatchObject({ changes: [], endCursor: cursor, hasMore: false });
    const status = await t.gql(`query($id: ID!) { partner(id: $id) { syndication { enabled status } } }`, {
      id: toGlobalId('Partner', partner.id),
    });
    expect(status.data.partner.syndication).toBeNull(); // PUBLIC sees nothing of it
    const own = await as(`query($id: ID!) { partner(id: $id) { syndication { enabled status } } }`, {
      id: toGlobalId('Partner', partner.id),
    });
    expect(own.data.partner.syndication).toEqual({ enabled: false, status: 'OFF' });
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true, departmentCodes: ['74'] } }));
    await readFeed(as, held, cursor);
    expect(sorted(held)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));
    expect((await as(PREFERENCES, { input: { enabled: true, departmentCodes: ['7'] } })).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('leaves every reader with exactly its set after thousands of random changes, whoever wrote them', async () => {
    const random = prng(engine === 'sqlite' ? 1 : 2);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
    const readers = [
      { prefs: {}, ...(await newPartner()) },
      { prefs: { departmentCodes: ['74', '75'] }, ...(await newPartner()) },
      { prefs: { romeDomainCodes: ['G'], contractTypes: ['PERMANENT'] }, ...(await newPartner()) },
      { prefs: { regionCodes: ['84'], romeCodes: ['M1805', 'G1602'] }, ...(await newPartner()) },
    ];
    for (const r of readers) expectNoErrors(await r.as(PREFERENCES, { input: { enabled: true, ...r.prefs } }));
    const state = readers.map(() => ({ held: new Map() as HeldSet, cursor: null as string | null }));
    const other = await createPartner(t.dataSource);
    const externalIds: string[] = [];
    const repo = t.dataSource.getRepository(OfferEntity);
    const { ingestion } = t.hub.services;
    let changes = 0;
    for (let round = 0; round < 40; round++) {
      const now = at(round * 10);
      // A call of the agency: new offers and edits (title, place, ROME code, contract, reservation, validity).
      const batch = Array.from({ length: 40 }, () => {
        const existing = externalIds.length > 0 && random() < 0.6;
        const externalId = existing ? pick(externalIds) : `r-${round}-${externalIds.length}-${Math.floor(random() * 1e9)}`;
        if (!existing) externalIds.push(externalId);
        return offerInput(externalId, {
          title: `Offre ${externalId} v${round}`,
          location: pick(PLACES),
          romeCode: pick(ROME),
          contractType: pick(CONTRACTS),
          reservedForJobseekers: random() < 0.15,
          validThrough: new Date(now.getTime() + (random() < 0.2 ? 5 : 600) * 60_000).toISOString(),
        });
      });
      const unique = [...new Map(batch.map((o) => [o.externalId, o])).values()];
      const result = await ingestion.upsertOffers(AGENCY, unique as never, null, now);
      expect(result.rejected).toBe(0);
      changes += result.created + result.updated;
      // A partner's offers (never syndicated), withdrawals, expiries, entity saves, hand-written SQL.
      await ingestion.upsertOffers({ kind: 'PARTNER', partnerId: other.id }, [offerInput(`p-${round}`)] as never, null, now);
      const withdrawn = await ingestion.withdrawOffers(
        AGENCY,
        Array.from({ length: 4 }, () => pick(externalIds)),
        now,
      );
      changes += withdrawn.withdrawn.length;
      changes += await ingestion.expireOffers(at(round * 10 + 6));
      const [someId] = await t.dataSource.query(
        `SELECT id FROM offer WHERE partner_id IS NULL ORDER BY id DESC LIMIT 1 OFFSET ${Math.floor(random() * 20)}`,
      );
      if (someId) {
        await repo.update({ id: Number(someId.id) }, { title: `Edited by an entity save ${round}` });
        await t.dataSource.query('UPDATE offer SET reserved_for_jobseekers = 1 - reserved_for_jobseekers WHERE id = ?', [
          Number(someId.id) - 1,
        ]);
        changes += 2;
      }
      // Readers read part of the way now and then (from their own cursors), one changes its mind once.
      for (const [i, r] of readers.entries()) {
        if (random() < 0.3) {
          const read = await readFeed(r.as, state[i].held, state[i].cursor, 1 + Math.floor(random() * 300));
          state[i].cursor = read.cursor;
        }
      }
      if (round === 20) {
        readers[1].prefs = { departmentCodes: ['13'] };
        expectNoErrors(await readers[1].as(PREFERENCES, { input: { enabled: true, ...readers[1].prefs } }));
      }
    }
    expect(changes).toBeGreaterThan(1500);
    for (const [i, r] of readers.entries()) {
      await readFeed(r.as, state[i].held, state[i].cursor);
      const expected = await expectedSet(t.dataSource, r.prefs);
      expect(expected.size).toBeGreaterThan(5);
      expect(sorted(state[i].held)).toEqual(sorted(expected));
      // A reader starting from the beginning now gets the same set.
      const fresh: HeldSet = new Map();
      await readFeed(r.as, fresh, null, 500);
      expect(sorted(fresh)).toEqual(sorted(expected));
    }
  }, 240_000);
});
