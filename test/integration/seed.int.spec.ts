import { seedDatabase } from '../../src/seed/seed';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

/** The seeder, including MariaDB's bulk path (LOAD DATA with the FULLTEXT index rebuilt). */
describe.each(engines())('seeding on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'seed');
  });
  afterAll(() => t?.close());

  it('loads real and generated offers, is idempotent, and keyword search works afterwards', async () => {
    const first = await seedDatabase(t.dataSource, { totalOffers: 4000, activeShare: 0.5, mysqlBulkThreshold: 1000 });
    expect(first).toMatchObject({ realOffers: 1593, generatedOffers: 2407, inserted: 4000 });
    expect(first.partners).toBeGreaterThan(30);
    const again = await seedDatabase(t.dataSource, { totalOffers: 4000, activeShare: 0.5, mysqlBulkThreshold: 1000 });
    expect(again.inserted).toBe(0);
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM offer');
    expect(Number(n)).toBe(4000);

    // The full-text index must match after the bulk load, which drops and rebuilds it on MariaDB.
    const res = await t.gql('{ offers(first: 5, filter: { keywords: "vendeur" }) { totalCount edges { node { title } } } }');
    expectNoErrors(res);
    expect(res.data.offers.totalCount).toBeGreaterThan(10);
  });
});
