import type { PartnerEntity } from '../../entities';
import { createOffer, createPartner } from '../factories';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const PAGE = `
  query Page($filter: OfferFilter, $sort: OfferSort, $first: Int, $after: String) {
    offers(filter: $filter, sort: $sort, first: $first, after: $after) {
      edges { cursor node { id externalId title } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

describe.each(engines())('offer pagination on %s', (engine) => {
  let t: TestHub;
  let partners: PartnerEntity[];

  beforeAll(async () => {
    t = await startTestHub(engine, 'paging');
    partners = [await createPartner(t.dataSource), await createPartner(t.dataSource)];
    const base = Date.now() - 10 * 86_400_000;
    for (let i = 0; i < 60; i++) {
      // Groups of three share a publication instant: the id must break the ties.
      await createOffer(t.dataSource, {
        partner: i % 3 === 0 ? null : partners[i % 2],
        externalId: `p-${i}`,
        title: i % 2 ? 'Cuisinier de collectivité' : 'Cuisinier cuisinier en restaurant',
        publishedAt: new Date(base + Math.floor(i / 3) * 60_000),
        commune: i % 4 ? '74010' : '74056',
      });
    }
  });
  afterAll(() => t?.close());

  async function walk(variables: Record<string, unknown>, duringWalk?: (page: number) => Promise<void>) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res: any = await t.gql(PAGE, { ...variables, after });
      expectNoErrors(res);
      const conn = res.data.offers;
      seen.push(...conn.edges.map((e: any) => e.node.externalId));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      if (conn.edges.length) expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
      if (duringWalk) await duringWalk(page);
      if (!conn.pageInfo.hasNextPage) return seen;
      after = conn.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  it('walks the whole set with no duplicate and no gap while offers are inserted', async () => {
    let inserted = 0;
    const seen = await walk({ first: 7 }, async () => {
      // New offers published now land before the cursor: they must not shift what is left.
      await createOffer(t.dataSource, { externalId: `new-${inserted++}` });
    });
    const original = seen.filter((id) => id.startsWith('p-'));
    expect(new Set(seen).size).toBe(seen.length);
    expect(original.length).toBe(60);
    expect(original).toEqual(Array.from({ length: 60 }, (_, i) => `p-${59 - i}`));
  });

  it('walks relevance order with no duplicate and no gap', async () => {
    const seen = await walk({ first: 4, sort: 'RELEVANCE', filter: { keywords: 'cuisinier' } });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => id.startsWith('p-')).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `p-${i}`).sort());
  });

  it('walks distance order with no duplicate and no gap', async () => {
    const seen = await walk({ first: 9, sort: 'DISTANCE', filter: { near: { communeCode: '74056', radiusKm: 100 } } });
    expect(new Set(seen).size).toBe(seen.length);
    const chamonix = seen.filter((id) => id.startsWith('p-') && Number(id.slice(2)) % 4 === 0);
    // Chamonix offers (distance 0) come before every Annecy one.
    expect(seen.slice(0, chamonix.length)).toEqual(chamonix);
    expect(chamonix.length).toBe(15);
  });

  it('rejects a cursor of another sort order, and a malformed one', async () => {
    const first = await t.gql(PAGE, { first: 2 });
    const cursor = first.data.offers.pageInfo.endCursor;
    const wrongSort = await t.gql(PAGE, { first: 2, after: cursor, sort: 'RELEVANCE', filter: { keywords: 'cuisinier' } });
    expect(wrongSort.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const malformed = await t.gql(PAGE, { first: 2, after: 'not-a-cursor' });
    expect(malformed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0].message).toMatch(/cursor/);
  });
});
