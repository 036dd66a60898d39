import { createOffer } from '../factories';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const Q = `query($filter: OfferFilter, $sort: OfferSort) { offers(filter: $filter, sort: $sort, first: 20) { edges { node { externalId } } } }`;

describe.each(engines())('keywords and relevance on %s', (engine) => {
  let t: TestHub;
  // Fixed instants (never read from the clock while the first offer cold-loads the referentials).
  const NOW = Date.parse('2026-06-01T12:00:00Z');
  beforeAll(async () => {
    t = await startTestHub(engine, 'relevance', { clock: () => new Date(NOW) });
    const ds = t.dataSource;
    await createOffer(ds, {
      externalId: 'weak',
      title: 'Technicien de maintenance',
      description: 'Vous assisterez un ingénieur sur site.',
      publishedAt: new Date(NOW - 1000),
    });
    await createOffer(ds, {
      externalId: 'strong',
      title: 'Ingénieur développement ingénieur logiciel',
      description: 'Ingénieur backend, ingénieur data: ingénierie logicielle.',
      publishedAt: new Date(NOW - 5000),
    });
    await createOffer(ds, {
      externalId: 'upper',
      title: 'INGENIEUR ETUDES',
      description: 'Bureau d études.',
      publishedAt: new Date(NOW - 9000),
    });
    await createOffer(ds, {
      externalId: 'other',
      title: 'Boulanger',
      description: 'Pain et viennoiseries.',
      publishedAt: new Date(NOW - 100),
    });
  });
  afterAll(() => t?.close());

  const ids = async (filter: unknown, sort?: string) => {
    const res = await t.gql(Q, { filter, sort });
    expectNoErrors(res);
    return res.data.offers.edges.map((e: any) => e.node.externalId);
  };

  it('ignores accents and case both ways', async () => {
    expect((await ids({ keywords: 'ingénieur' })).sort()).toEqual(['strong', 'upper', 'weak']);
    expect((await ids({ keywords: 'INGENIEUR' })).sort()).toEqual(['strong', 'upper', 'weak']);
    expect(await ids({ keywords: 'études' })).toEqual(['upper']);
  });

  it('requires every word', async () => {
    expect(await ids({ keywords: 'ingénieur logiciel' })).toEqual(['strong']);
    expect(await ids({ keywords: 'ingénieur boulanger' })).toEqual([]);
  });

  it('orders by relevance when asked, by date otherwise', async () => {
    const byRelevance = await ids({ keywords: 'ingénieur' }, 'RELEVANCE');
    expect(byRelevance[0]).toBe('strong');
    expect(await ids({ keywords: 'ingénieur' })).toEqual(['weak', 'strong', 'upper']);
  });
});
