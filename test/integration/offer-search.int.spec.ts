import type { OfferEntity, PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const PAGE = `
  query Page($filter: OfferFilter, $sort: OfferSort, $first: Int, $after: String) {
    offers(filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      edges { cursor node { id title externalId distanceKm partner { id name } location { departmentCode } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

describe.each(engines())('offer search on %s', (engine) => {
  let t: TestHub;
  let meteo: PartnerEntity;
  let keljob: PartnerEntity;
  const made: Record<string, OfferEntity> = {};

  beforeAll(async () => {
    t = await startTestHub(engine, 'search');
    const ds = t.dataSource;
    meteo = await createPartner(ds, { code: 'meteojob', name: 'Meteojob' });
    keljob = await createPartner(ds, { code: 'keljob', name: 'Keljob' });
    // Annecy 74010, Lyon 69123, Paris 75056, Chamonix 74056, Bourg-en-Bresse 01053
    made.annecyCook = await createOffer(ds, {
      externalId: 'a1',
      title: 'Cuisinier H/F',
      description: 'Cuisine traditionnelle au bord du lac',
      romeCode: 'G1602',
      commune: '74010',
      contractType: 'PERMANENT',
      publishedAt: days(1),
      salaryMin: 2000,
      salaryMax: 2400,
      salaryPeriod: 'MONTH',
      salaryYearlyMin: 24000,
    });
    made.lyonEngineer = await createOffer(ds, {
      partner: meteo,
      externalId: 'm1',
      title: 'Ingénieur logiciel',
      description: 'Développement de services web',
      romeCode: 'M1805',
      commune: '69123',
      contractType: 'PERMANENT',
      publishedAt: days(2),
      salaryMin: 45000,
      salaryPeriod: 'YEAR',
      salaryYearlyMin: 45000,
    });
    made.parisEngineer = await createOffer(ds, {
      partner: keljob,
      externalId: 'k1',
      title: 'Ingenieur qualité',
      description: 'Qualité logiciel, ingénierie des tests',
      romeCode: 'H1502',
      commune: '75056',
      contractType: 'FIXED_TERM',
      publishedAt: days(3),
    });
    made.chamonixSeasonal = await createOffer(ds, {
      partner: meteo,
      externalId: 'm2',
      title: 'Serveur saisonnier',
      description: 'Saison d hiver en station',
      romeCode: 'G1803',
      commune: '74056',
      contractType: 'SEASONAL',
      publishedAt: days(4),
    });
    made.bourgTemp = await createOffer(ds, {
      externalId: 'a2',
      title: 'Cariste intérimaire',
      description: 'Mission d intérim en entrepôt logistique',
      romeCode: 'N1101',
      commune: '01053',
      contractType: 'TEMPORARY',
      publishedAt: days(5),
      salaryMin: 11.88,
      salaryPeriod: 'HOUR',
      salaryYearlyMin: 11.88 * 1607,
    });
    made.withdrawn = await createOffer(ds, { externalId: 'a3', title: 'Cuisinier retiré', status: 'WITHDRAWN', publishedAt: days(1) });
    made.expired = await createOffer(ds, { externalId: 'a4', title: 'Cuisinier expiré', validThrough: days(1), publishedAt: days(1) });
  });
  afterAll(() => t?.close());

  const titles = async (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const res = await t.gql(PAGE, { filter, first: 50, ...extra });
    expectNoErrors(res);
    return res.data.offers.edges.map((e: any) => e.node.externalId);
  };

  it('lists only public offers, newest first', async () => {
    expect(await titles({})).toEqual(['a1', 'm1', 'k1', 'm2', 'a2']);
  });

  it('filters by each criterion alone', async () => {
    expect(await titles({ keywords: 'ingénieur' })).toEqual(['m1', 'k1']);
    expect(await titles({ romeCodes: ['M1805', 'G1803'] })).toEqual(['m1', 'm2']);
    expect(await titles({ contractTypes: ['SEASONAL', 'TEMPORARY'] })).toEqual(['m2', 'a2']);
    expect(await titles({ departmentCodes: ['74'] })).toEqual(['a1', 'm2']);
    expect(await titles({ regionCodes: ['84'] })).toEqual(['a1', 'm1', 'm2', 'a2']);
    expect(await titles({ source: 'AGENCY' })).toEqual(['a1', 'a2']);
    expect(await titles({ source: 'PARTNER' })).toEqual(['m1', 'k1', 'm2']);
    expect(await titles({ partnerIds: [toGlobalId('Partner', meteo.id)] })).toEqual(['m1', 'm2']);
    expect(await titles({ excludePartnerIds: [toGlobalId('Partner', meteo.id)] })).toEqual(['a1', 'k1', 'a2']);
    expect(await titles({ publishedSince: days(2.5).toISOString() })).toEqual(['a1', 'm1']);
    expect(await titles({ minSalary: 20000 })).toEqual(['a1', 'm1']);
    expect(await titles({ near: { communeCode: '74010', radiusKm: 70 } })).toEqual(['a1', 'm2']);
    expect(await titles({ near: { postalCode: '74000', radiusKm: 5 } })).toEqual(['a1']);
  });

  it('returns the description when asked for it, through a fragment too', async () => {
    const res = await t.gql(
      '{ offers(first: 1, filter: { romeCodes: ["M1805"] }) { edges { node { ...Card } } } } fragment Card on Offer { title description }',
    );
    expectNoErrors(res);
    expect(res.data.offers.edges[0].node).toEqual({ title: 'Ingénieur logiciel', description: 'Développement de services web' });
  });

  it('shows in a page exactly what offer(id) shows, whichever fields are asked, through fragments too', async () => {
    const ALL = `id source partner { id name code } externalId title description romeCode rome { code label } employer { name url }
      location { label communeCode postalCode city departmentCode regionCode latitude longitude } contractType fullTime
      salary { min max currency period label } experienceLevel publishedAt updatedAt validThrough status applyUrl reservedForJobseekers distanceKm`;
    const page = await t.gql(`{ offers(first: 50) { edges { node { ...All } } } } fragment All on Offer { ${ALL} }`);
    expectNoErrors(page);
    expect(page.data.offers.edges.length).toBe(5);
    for (const { node } of page.data.offers.edges) {
      const one = await t.gql(`query($id: ID!) { offer(id: $id) { ${ALL} } }`, { id: node.id });
      expect(node).toEqual(one.data.offer);
    }
    // Subsets: each field alone, and a card, read the same values as the full page.
    const full = page.data.offers.edges.map((e: any) => e.node);
    for (const selection of [
      'salary { min max period }',
      'updatedAt',
      'partner { name }',
      '... on Offer { location { city } }',
      'rome { label } contractType',
    ]) {
      const res = await t.gql(`{ offers(first: 50) { edges { node { id ${selection} } } } }`);
      expectNoErrors(res);
      res.data.offers.edges.forEach((e: any, i: number) => expect(e.node).toEqual(expect.objectContaining({ id: full[i].id })));
      const picked = res.data.offers.edges.map((e: any) => e.node);
      expect(picked).toEqual(
        full.map((n: any) =>
          Object.fromEntries(
            Object.keys(picked[0]).map((k) => [
              k,
              k === 'salary' && n.salary
                ? { min: n.salary.min, max: n.salary.max, period: n.salary.period }
                : k === 'partner' && n.partner
                  ? { name: n.partner.name }
                  : k === 'location'
                    ? { city: n.location.city }
                    : k === 'rome' && n.rome
                      ? { label: n.rome.label }
                      : n[k],
            ]),
          ),
        ),
      );
    }
  });

  it('combines filters', async () => {
    expect(await titles({ keywords: 'logiciel', contractTypes: ['PERMANENT'], regionCodes: ['84'] })).toEqual(['m1']);
    expect(await titles({ departmentCodes: ['74', '01'], source: 'AGENCY', minSalary: 15000 })).toEqual(['a1', 'a2']);
  });

  it('orders by distance with the distance in km', async () => {
    const res = await t.gql(PAGE, { filter: { near: { communeCode: '74010', radiusKm: 500 } }, sort: 'DISTANCE', first: 10 });
    expectNoErrors(res);
    const nodes = res.data.offers.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.externalId)).toEqual(['a1', 'm2', 'a2', 'm1', 'k1']);
    const d = nodes.map((n: any) => n.distanceKm);
    expect(d[0]).toBeLessThan(1);
    expect(d[3]).toBeGreaterThan(90); // Annecy - Lyon is about 105 km as the crow flies
    expect(d[3]).toBeLessThan(120);
  });

  it('resolves partners and counts', async () => {
    const res = await t.gql(
      `{ partners { id code activeOfferCount offers(first: 1) { totalCount edges { node { externalId } } pageInfo { hasNextPage } } } }`,
    );
    expectNoErrors(res);
    const byCode = Object.fromEntries(res.data.partners.map((p: any) => [p.code, p]));
    expect(byCode.meteojob.activeOfferCount).toBe(2);
    expect(byCode.meteojob.offers.totalCount).toBe(2);
    expect(byCode.meteojob.offers.edges.map((e: any) => e.node.externalId)).toEqual(['m1']);
    expect(byCode.meteojob.offers.pageInfo.hasNextPage).toBe(true);
    expect(byCode.keljob.activeOfferCount).toBe(1);
  });
});
