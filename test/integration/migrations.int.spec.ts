import 'reflect-metadata';
import { openDatabase } from '../../src/db/data-source';
import { dropDatabase, engines, freshDatabaseConfig } from '../helpers/test-hub';

describe.each(engines())('migrations on %s', (engine) => {
  it('produce exactly the schema the entities declare, and can be undone', async () => {
    const config = freshDatabaseConfig(engine, 'migrations');
    const ds = await openDatabase(config);
    try {
      // TypeORM's own diff between entity metadata and the migrated database: nothing to change.
      const diff = await ds.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((q) => q.query)).toEqual([]);
      expect(await ds.showMigrations()).toBe(false); // nothing pending

      // The full-text index the entities leave to the migrations is there.
      if (engine === 'mysql') {
        const rows = await ds.query("SELECT INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'offer' AND INDEX_NAME = 'ft_offer_text'");
        expect(rows[0]?.INDEX_TYPE).toBe('FULLTEXT');
      } else {
        const rows = await ds.query("SELECT name FROM sqlite_master WHERE name IN ('offer_fts', 'offer_fts_ai', 'offer_fts_ad', 'offer_fts_au') ORDER BY name");
        expect(rows.map((r: { name: string }) => r.name)).toEqual(['offer_fts', 'offer_fts_ad', 'offer_fts_ai', 'offer_fts_au']);
      }

      // Down migrations leave no table of ours behind.
      while ((await ds.query(engine === 'mysql' ? 'SELECT COUNT(*) AS n FROM migrations' : 'SELECT COUNT(*) AS n FROM migrations'))[0].n > 0) {
        await ds.undoLastMigration();
      }
      const tables = engine === 'mysql'
        ? (await ds.query('SHOW TABLES')).map((r: Record<string, string>) => Object.values(r)[0])
        : (await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((r: { name: string }) => r.name);
      expect(tables.filter((n: string) => n !== 'migrations')).toEqual([]);
    } finally {
      await ds.destroy();
      await dropDatabase(config);
    }
  });

  it('is idempotent: opening a migrated database again changes nothing', async () => {
    const config = freshDatabaseConfig(engine, 'migrations2');
    const first = await openDatabase(config);
    const before = await first.query('SELECT COUNT(*) AS n FROM migrations');
    await first.destroy();
    const second = await openDatabase(config);
    try {
      expect(await second.query('SELECT COUNT(*) AS n FROM migrations')).toEqual(before);
    } finally {
      await second.destroy();
      await dropDatabase(config);
    }
  });
});
