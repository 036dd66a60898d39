import { getReferentials } from '../../src/referentials/referential.service';
import { createOffer as createOfferNow, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';

const parisDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' });
const HUB_STATS = `query($date: Date) { hubStats(date: $date) {
  date activeOffers newOffers
  activeOffersBySource { key label count share bySource { key } }
  topPartners { key label count share }
  activeOffersByRegion { key label count share bySource { key label count share } }
  activeOffersByRomeDomain { key label count share bySource { key count share } }
} }`;

/** The agency's key figures against offers whose visibility each test knows by construction. */
describe.each(engines())('hubStats on %s', (engine) => {
  let t: TestHub;
  let asAgency: (q: string, v?: Record<string, unknown>) => Promise<GraphQLResponse>;
  // The hub's clock and the offers' dates are fixed: an afternoon in Paris, never the machine's date.
  const now = Date.parse('2026-03-02T14:00:00Z');
  const today = parisDate.format(now);
  const yesterday = parisDate.format(now - 86_400_000);
  const yesterdayNoon = new Date(Date.parse(`${yesterday}T10:00:00Z`));
  const hCode = getReferentials()
    .romeCodes()
    .find((o) => o.domainCode === 'H')!;
  const label = (region: string) => getReferentials().region(region)!.name;

  beforeAll(async () => {
    t = await startTestHub(engine, 'hub-stats', { clock: () => new Date(now) });
    const ds = t.dataSource;
    const createOffer = (d: typeof ds, overrides: Parameters<typeof createOfferNow>[1] = {}) =>
      createOfferNow(d, { publishedAt: new Date(now - 3_600_000), ...overrides });
    const p1 = await createPartner(ds, { code: 'p-one', name: 'Partenaire Un' });
    const p2 = await createPartner(ds, { code: 'p-two', name: 'Partenaire Deux' });
    const p3 = await createPartner(ds, { code: 'p-suspended', status: 'SUSPENDED' });
    // Active today: 5 agency offers, 3 of partner one, 1 of partner two.
    for (let i = 0; i < 3; i++) await createOffer(ds, { commune: '74010', romeCode: 'G1803' });
    await createOffer(ds, { commune: '75056', romeCode: 'M1805' });
    await createOffer(ds, { commune: '75056', romeCode: null });
    await createOffer(ds, { partner: p1, commune: '74010', romeCode: hCode.code });
    await createOffer(ds, { partner: p1, commune: '74010', romeCode: hCode.code });
    await createOffer(ds, { partner: p1, commune: '74010', romeCode: hCode.code, publishedAt: yesterdayNoon });
    await createOffer(ds, { partner: p2, commune: '13055', romeCode: 'M1805' });
    // Not active now: withdrawn, expired a moment ago (but valid at the end of yesterday), suspended partner.
    await createOffer(ds, { partner: p1, status: 'WITHDRAWN' });
    await createOffer(ds, {
      partner: p2,
      commune: '13055',
      romeCode: 'M1805',
      publishedAt: yesterdayNoon,
      validThrough: new Date(now - 1000),
    });
    await createOffer(ds, { partner: p3 });
    await createOffer(ds, { partner: p3 });
    asAgency = t.as(await issueKey(t, 'AGENCY'));
  });
  afterAll(() => t?.close());

  it('counts what public search shows, and splits it by source, partner, region and ROME domain', async () => {
    const res = await asAgency(HUB_STATS);
    expectNoErrors(res);
    const stats = res.data.hubStats;
    expect(stats).toMatchObject({ date: today, activeOffers: 9, newOffers: 11 }); // new today: 8 active + 1 withdrawn + 2 suspended; not the 2 published yesterday
    const publicCount = await t.gql('{ offers { totalCount } }');
    expect(publicCount.data.offers.totalCount).toBe(stats.activeOffers); // the same visibility predicate as search

    expect(stats.activeOffersBySource).toEqual([
      { key: 'AGENCY', label: 'France Travail', count: 5, share: 5 / 9, bySource: null },
      { key: 'PARTNER', label: 'Partenaires', count: 4, share: 4 / 9, bySource: null },
    ]);
    expect(stats.topPartners).toEqual([
      { key: 'p-one', label: 'Partenaire Un', count: 3, share: 3 / 9 },
      { key: 'p-two', label: 'Partenaire Deux', count: 1, share: 1 / 9 },
    ]);
    const split = (agency: number, partner: number) => [
      { key: 'AGENCY', label: 'France Travail', count: agency, share: agency / (agency + partner) },
      { key: 'PARTNER', label: 'Partenaires', count: partner, share: partner / (agency + partner) },
    ];
    expect(stats.activeOffersByRegion).toEqual([
      { key: '84', label: label('84'), count: 6, share: 6 / 9, bySource: split(3, 3) },
      { key: '11', label: label('11'), count: 2, share: 2 / 9, bySource: split(2, 0) },
      { key: '93', label: label('93'), count: 1, share: 1 / 9, bySource: split(0, 1) },
    ]);
    expect(stats.activeOffersByRomeDomain.map((r: any) => [r.key, r.count, r.bySource.map((p: any) => p.count)])).toEqual([
      ['G', 3, [3, 0]],
      ['H', 3, [0, 3]],
      ['M', 2, [1, 1]],
      ['UNKNOWN', 1, [1, 0]],
    ]);
    expect(stats.activeOffersByRomeDomain[1].label).toBe(hCode.domainLabel);
    expect(stats.activeOffersByRomeDomain[0].label).toBe(getReferentials().rome('G1803')!.domainLabel);
  });

  it('describes a past day with the offers published before its end and still valid then', async () => {
    const res = await asAgency(HUB_STATS, { date: yesterday });
    expectNoErrors(res);
    expect(res.data.hubStats).toMatchObject({ date: yesterday, activeOffers: 2, newOffers: 2 });
    expect(res.data.hubStats.topPartners.map((p: any) => [p.key, p.count])).toEqual([
      ['p-one', 1],
      ['p-two', 1],
    ]);
  });

  it('refuses a day in the future or that does not exist', async () => {
    for (const date of ['2999-01-01', '2025-02-30']) {
      const res = await asAgency(HUB_STATS, { date });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
