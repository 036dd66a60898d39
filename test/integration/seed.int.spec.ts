import { openDatabase } from '../../src/db/data-source';
import { restoreSuspendedTriggers, suspendTriggers, triggersOf } from '../../src/db/suspended-triggers';
import { seedDatabase } from '../../src/seed/seed';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const count = async (t: TestHub, statement: string): Promise<number> => Number((await t.dataSource.query(statement))[0].n);

/** The seeder, including MariaDB's bulk path (LOAD DATA with the FULLTEXT index rebuilt). */
describe.each(engines())('seeding on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'seed');
  });
  afterAll(() => t?.close());

  it('loads real and generated offers, is idempotent, and keyword search works afterwards', async () => {
    const triggersBefore = engine === 'mysql' ? await triggersOf(t.dataSource, 'offer') : [];
    const first = await seedDatabase(t.dataSource, { totalOffers: 4000, activeShare: 0.5, mysqlBulkThreshold: 1000 });
    expect(first).toMatchObject({ realOffers: 1593, generatedOffers: 2407, inserted: 4000, bulkLoad: engine === 'mysql' });
    expect(first.partners).toBeGreaterThan(30);
    const again = await seedDatabase(t.dataSource, { totalOffers: 4000, activeShare: 0.5, mysqlBulkThreshold: 1000 });
    expect(again).toMatchObject({ inserted: 0, bulkLoad: false });
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM offer');
    expect(Number(n)).toBe(4000);

    // The full-text index must match after the bulk load, which drops and rebuilds it on MariaDB.
    const res = await t.gql('{ offers(first: 5, filter: { keywords: "vendeur" }) { totalCount edges { node { title } } } }');
    expectNoErrors(res);
    expect(res.data.offers.totalCount).toBeGreaterThan(10);

    if (engine === 'mysql') {
      // The bulk load (into the empty table) ran without the offer table's triggers: they are back,
      // in their order, nothing is left suspended, and what the INSERT triggers do was done.
      expect(triggersBefore.length).toBeGreaterThanOrEqual(6);
      expect(await triggersOf(t.dataSource, 'offer')).toEqual(triggersBefore);
      expect(await count(t, 'SELECT COUNT(*) AS n FROM suspended_trigger')).toBe(0);
      const agencyOffers = await count(t, 'SELECT COUNT(*) AS n FROM offer WHERE partner_id IS NULL');
      expect(agencyOffers).toBeGreaterThan(0);
      expect(await count(t, 'SELECT COUNT(*) AS n FROM syndication_pending WHERE partner_id IS NULL')).toBe(agencyOffers);
      expect(await count(t, 'SELECT COUNT(*) AS n FROM offer_search_queue')).toBe(0);
      // ...and they fire again on the next write.
      await t.dataSource.query(
        "UPDATE offer SET title = CONCAT(title, ' (bis)') WHERE id = (SELECT MIN(id) FROM offer WHERE status = 'ACTIVE')",
      );
      expect(await count(t, 'SELECT COUNT(*) AS n FROM offer_search_queue')).toBe(1);
    }
  });

  if (engine === 'mysql') {
    it('puts back triggers a bulk load dropped and could not restore, at the next openDatabase', async () => {
      const before = await triggersOf(t.dataSource, 'offer');
      const suspended = await suspendTriggers(t.dataSource, 'offer');
      expect(suspended).toEqual(before.map((x) => x.name));
      expect(await triggersOf(t.dataSource, 'offer')).toEqual([]);
      // The load is killed here: nothing restores them but the next process opening the database.
      const next = await openDatabase(t.config);
      try {
        expect(await triggersOf(next, 'offer')).toEqual(before);
        expect(await count(t, 'SELECT COUNT(*) AS n FROM suspended_trigger')).toBe(0);
        expect(await restoreSuspendedTriggers(next)).toEqual([]);
      } finally {
        await next.destroy();
      }
    });
  }
});
