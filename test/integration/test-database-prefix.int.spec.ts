import { DEFAULT_TEST_DATABASE_PREFIX, engines, freshDatabaseConfig, startTestHub, testDatabasePrefix } from '../helpers/test-hub';

/** TEST_DATABASE_PREFIX: the suite's MariaDB databases can be told apart from other users' on a shared server. */
describe('test database names', () => {
  const saved = process.env.TEST_DATABASE_PREFIX;
  afterEach(() => {
    if (saved === undefined) delete process.env.TEST_DATABASE_PREFIX;
    else process.env.TEST_DATABASE_PREFIX = saved;
  });

  it('start with TEST_DATABASE_PREFIX, keep their unique tail and stay under 64 characters', () => {
    process.env.TEST_DATABASE_PREFIX = 'ci_job_4711_';
    const names = [
      freshDatabaseConfig('mysql', 'a suite with a long descriptive label'),
      freshDatabaseConfig('mysql', 'a suite with a long descriptive label'),
    ].map((c) => (c.type === 'mysql' ? c.database : ''));
    for (const name of names) {
      expect(name.startsWith('ci_job_4711_a_suite')).toBe(true);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(new RegExp(`_${process.pid}_[0-9a-f]{6}$`));
    }
    expect(names[0]).not.toBe(names[1]);
    process.env.TEST_DATABASE_PREFIX = 'x'.repeat(32);
    const longest = freshDatabaseConfig('mysql', 'label');
    expect(longest.type === 'mysql' && longest.database.length).toBeLessThanOrEqual(64);
  });

  it('default to passerelle_test_ and refuse a prefix that is not a bare database name', () => {
    delete process.env.TEST_DATABASE_PREFIX;
    expect(testDatabasePrefix()).toBe(DEFAULT_TEST_DATABASE_PREFIX);
    for (const bad of ['my-db_', 'a b', 'x'.repeat(33), 'drop;'])
      expect(() => testDatabasePrefix({ TEST_DATABASE_PREFIX: bad })).toThrow(/TEST_DATABASE_PREFIX must be/);
  });

  if (engines().includes('mysql')) {
    it('a MariaDB test hub runs in a database of that prefix', async () => {
      process.env.TEST_DATABASE_PREFIX = `h19prefix_${process.pid}_`;
      const t = await startTestHub('mysql', 'prefix');
      try {
        const [{ name }] = await t.dataSource.query('SELECT DATABASE() AS name');
        expect(name.startsWith(`h19prefix_${process.pid}_prefix_`)).toBe(true);
      } finally {
        await t.close();
      }
    });
  }
});
