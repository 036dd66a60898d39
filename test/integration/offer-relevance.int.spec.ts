import { createOffer } from '../factories';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const Q = `query($filter: OfferFilter, $sort: OfferSort) { offers(filter: $filter, sort: $sort, first: 20) { edges { node { externalId } } } }`;

describe.each(engines())('keywords and relevance on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'relevance');
    const ds = t.dataSource;
    await createOffer(ds, { externalId: 'weak', title: 'Technicien de maintenance', description: 'Vous assisterez un ingénieur sur site.', publishedAt: new Date(Date.now() - 1000) });
    await createOffer(ds, { externalId: 'strong', title: 'Ingénieur développement ingénieur logiciel', description: 'Ingénieur backend, ingénieur data: ingénierie logicielle.', publishedAt: new Date(Date.now() - 5000) });
    await createOffer(ds, { externalId: 'upper', title: 'INGENIEUR ETUDES', description: 'Bureau d études.', publishedAt: new Date(Date.now() - 9000) });
    await createOffer(ds, { externalId: 'other', title: 'Boulanger', description: 'Pain et viennoiseries.', publishedAt: new Date() });
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
