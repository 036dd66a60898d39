import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

describe.each(engines())('facets, nodes and loaders on %s', (engine) => {
  let t: TestHub;
  let partnerIds: number[] = [];

  beforeAll(async () => {
    t = await startTestHub(engine, 'facets');
    const ds = t.dataSource;
    const partners = [];
    for (let p = 0; p < 12; p++) partners.push(await createPartner(ds, { name: `Board ${p}` }));
    partnerIds = partners.map((p) => p.id);
    const communes = ['74010', '74056', '01053', '69123'];
    const contracts = ['PERMANENT', 'FIXED_TERM', 'TEMPORARY'] as const;
    for (let i = 0; i < 150; i++) {
      await createOffer(ds, {
        partner: i % 5 === 0 ? null : partners[i % partners.length],
        commune: communes[i % communes.length],
        contractType: contracts[i % contracts.length],
        romeCode: i % 2 ? 'G1602' : 'M1805',
        publishedAt: new Date(Date.now() - i * 60_000),
      });
    }
  });
  afterAll(() => t?.close());

  it('counts facets honouring every filter except their own dimension', async () => {
    const res = await t.gql(
      `query($f: OfferFilter) { offers(filter: $f, first: 0) { totalCount facets {
      contractType { value count } departmentCode { value count } source { value count } partner { value count } romeCode { value count } } } }`,
      { f: { contractTypes: ['PERMANENT'], departmentCodes: ['74'] } },
    );
    expectNoErrors(res);
    const { totalCount, facets } = res.data.offers;
    // Brute force over the same rows, in the test.
    const rows: Array<{ i: number; dep: string; contract: string; partner: number | null; rome: string }> = [];
    const deps = ['74', '74', '01', '69'];
    for (let i = 0; i < 150; i++)
      rows.push({
        i,
        dep: deps[i % 4],
        contract: ['PERMANENT', 'FIXED_TERM', 'TEMPORARY'][i % 3],
        partner: i % 5 === 0 ? null : partnerIds[i % 12],
        rome: i % 2 ? 'G1602' : 'M1805',
      });
    const matching = rows.filter((r) => r.contract === 'PERMANENT' && r.dep === '74');
    expect(totalCount).toBe(matching.length);
    const tally = (list: typeof rows, key: (r: (typeof rows)[0]) => string | null) => {
      const m = new Map<string, number>();
      for (const r of list) {
        const k = key(r);
        if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
      }
      return Object.fromEntries(m);
    };
    const asMap = (values: Array<{ value: string; count: number }>) => Object.fromEntries(values.map((v) => [v.value, v.count]));
    expect(asMap(facets.contractType)).toEqual(
      tally(
        rows.filter((r) => r.dep === '74'),
        (r) => r.contract,
      ),
    );
    expect(asMap(facets.departmentCode)).toEqual(
      tally(
        rows.filter((r) => r.contract === 'PERMANENT'),
        (r) => r.dep,
      ),
    );
    expect(asMap(facets.source)).toEqual(tally(matching, (r) => (r.partner === null ? 'AGENCY' : 'PARTNER')));
    expect(asMap(facets.romeCode)).toEqual(tally(matching, (r) => r.rome));
    expect(asMap(facets.partner)).toEqual(tally(matching, (r) => (r.partner === null ? null : toGlobalId('Partner', r.partner))));
    // Largest first.
    const counts = facets.departmentCode.map((v: any) => v.count);
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a));
  });

  it('counts the source, partner and ROME facets of a filter in one statement, and a constrained one on its own', async () => {
    const FACETS = `query($f: OfferFilter) { offers(filter: $f, first: 0) { facets { source { value count } partner { value count } romeCode { value count } } } }`;
    const rows = Array.from({ length: 150 }, (_, i) => ({
      dep: ['74', '74', '01', '69'][i % 4],
      contract: ['PERMANENT', 'FIXED_TERM', 'TEMPORARY'][i % 3],
      partner: i % 5 === 0 ? null : partnerIds[i % 12],
      rome: i % 2 ? 'G1602' : 'M1805',
    }));
    const tally = (list: typeof rows, key: (r: (typeof rows)[0]) => string | null) =>
      [...list.reduce((m, r) => (key(r) === null ? m : m.set(key(r)!, (m.get(key(r)!) ?? 0) + 1)), new Map<string, number>())]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));

    await t.settle();

    let before = t.sqlCount();
    const free = await t.gql(FACETS, { f: { departmentCodes: ['01'] } });
    expectNoErrors(free);
    expect(t.sqlCount() - before).toBe(1);
    const in01 = rows.filter((r) => r.dep === '01');
    expect(free.data.offers.facets.romeCode).toEqual(tally(in01, (r) => r.rome));
    expect(free.data.offers.facets.source).toEqual(tally(in01, (r) => (r.partner === null ? 'AGENCY' : 'PARTNER')));
    const partnerCounts = free.data.offers.facets.partner.map((v: any) => v.count);
    expect(partnerCounts).toEqual([...partnerCounts].sort((a: number, b: number) => b - a));
    expect(Object.fromEntries(free.data.offers.facets.partner.map((v: any) => [v.value, v.count]))).toEqual(
      Object.fromEntries(tally(in01, (r) => (r.partner === null ? null : toGlobalId('Partner', r.partner))).map((v) => [v.value, v.count])),
    );

    // romeCodes constrains the ROME facet's own dimension: it is counted without it, on its own.
    await t.settle();
    before = t.sqlCount();
    const constrained = await t.gql(FACETS, { f: { departmentCodes: ['69'], romeCodes: ['G1602'] } });
    expectNoErrors(constrained);
    expect(t.sqlCount() - before).toBe(2);
    const in69 = rows.filter((r) => r.dep === '69');
    expect(constrained.data.offers.facets.romeCode).toEqual(tally(in69, (r) => r.rome));
    expect(constrained.data.offers.facets.source).toEqual(
      tally(
        in69.filter((r) => r.rome === 'G1602'),
        (r) => (r.partner === null ? 'AGENCY' : 'PARTNER'),
      ),
    );
  });

  it('resolves offers and partners through node(id) and their own fields', async () => {
    const page = await t.gql('{ offers(first: 1) { edges { node { id title partner { id } } } } }');
    const offer = page.data.offers.edges[0].node;
    const res = await t.gql(
      `query($o: ID!, $p: ID!) {
      a: node(id: $o) { __typename id ... on Offer { title } }
      b: node(id: $p) { __typename id ... on Partner { name } }
      c: offer(id: $o) { id rome { code label domain { code label } } location { departmentCode regionCode latitude } }
      d: partner(id: $p) { id name }
    }`,
      { o: offer.id, p: toGlobalId('Partner', partnerIds[0]) },
    );
    expectNoErrors(res);
    expect(res.data.a).toEqual({ __typename: 'Offer', id: offer.id, title: offer.title });
    expect(res.data.b).toEqual({ __typename: 'Partner', id: toGlobalId('Partner', partnerIds[0]), name: 'Board 0' });
    expect(res.data.c.rome.domain.code).toBe(res.data.c.rome.code[0]);
    expect(res.data.c.rome.label.length).toBeGreaterThan(3);
    expect(res.data.d.name).toBe('Board 0');
  });

  const NESTED = `query($n: Int) { offers(first: $n) { edges { node { id title partner { name activeOfferCount } } } } }`;

  it('issues the same small number of SQL statements for 10 and for 100 offers with their partners', async () => {
    const measure = async (n: number) => {
      await t.settle();
      const before = t.sqlCount();
      const res = await t.gql(NESTED, { n });
      expectNoErrors(res);
      expect(res.data.offers.edges).toHaveLength(Math.min(n, 150));
      const withPartner = res.data.offers.edges.filter((e: any) => e.node.partner);
      expect(new Set(withPartner.map((e: any) => e.node.partner.name)).size).toBeGreaterThan(n >= 100 ? 10 : 5);
      return t.sqlCount() - before;
    };
    const ten = await measure(10);
    const hundred = await measure(100);
    expect(hundred).toBe(ten);
    expect(hundred).toBeLessThanOrEqual(3); // page + partners + their counts
  });

  it('batches Partner.offers and their counts across partners', async () => {
    await t.settle();
    const before = t.sqlCount();
    const res = await t.gql(
      `{ partners { name activeOfferCount offers(first: 3) { totalCount edges { node { title partner { name } } } } } }`,
    );
    expectNoErrors(res);
    expect(res.data.partners).toHaveLength(12);
    for (const p of res.data.partners) {
      expect(p.offers.totalCount).toBe(p.activeOfferCount);
      expect(p.offers.edges.length).toBe(Math.min(3, p.activeOfferCount));
      for (const e of p.offers.edges) expect(e.node.partner.name).toBe(p.name);
    }
    expect(t.sqlCount() - before).toBeLessThanOrEqual(4); // partners, pages, counts (x1: same filter), partner lookups
  });

  // Last: it adds a partner and offers the tests above do not expect.
  it("shares totals and facets between requests, and shows the hub's own writes in the very next count", async () => {
    const COUNTS = `query($f: OfferFilter) { offers(filter: $f, first: 0) { totalCount facets { departmentCode { value count } partner { value count } } } }`;
    const f = { contractTypes: ['PERMANENT'] };
    const counts = async () => {
      const res = await t.gql(COUNTS, { f });
      expectNoErrors(res);
      const dep74 = res.data.offers.facets.departmentCode.find((v: any) => v.value === '74')?.count ?? 0;
      return { total: res.data.offers.totalCount as number, dep74 };
    };
    const before = await counts();
    const statements = t.sqlCount();
    expect(await counts()).toEqual(before);
    expect(t.sqlCount() - statements).toBe(0); // served from the count cache

    const partner = await createPartner(t.dataSource, { name: 'Fresh board' });
    const asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    const agency = t.as(await issueKey(t, 'AGENCY'));
    const push = await asPartner('mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created } }', {
      o: [offerInput('fresh-1'), offerInput('fresh-2')],
    });
    expect(push.data.upsertOffers.created).toBe(2);
    expect(await counts()).toEqual({ total: before.total + 2, dep74: before.dep74 + 2 });
    const id = toGlobalId('Partner', partner.id);
    expectNoErrors(await agency('mutation($id: ID!) { suspendPartner(id: $id) { status } }', { id }));
    expect(await counts()).toEqual(before);
    expectNoErrors(await agency('mutation($id: ID!) { reactivatePartner(id: $id) { status } }', { id }));
    expect((await counts()).total).toBe(before.total + 2);
    expectNoErrors(await asPartner('mutation { withdrawOffers(externalIds: ["fresh-1"]) { withdrawn } }'));
    expect(await counts()).toEqual({ total: before.total + 1, dep74: before.dep74 + 1 });
  });
});
