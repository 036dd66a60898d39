import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureMysqlDatabase, openDatabase } from '../../src/db/data-source';
import { MIGRATIONS } from '../../src/db/migrations';
import { fromDbDateTime } from '../../src/db/sql';
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

      // The keyword index the entities leave to the migrations is there: MariaDB's term index (no
      // FULLTEXT index any more), SQLite's FTS5 table.
      if (engine === 'mysql') {
        const indexes = await ds.query(
          "SELECT TABLE_NAME AS t, INDEX_NAME AS i, INDEX_TYPE AS type FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE = 'FULLTEXT' GROUP BY TABLE_NAME, INDEX_NAME, INDEX_TYPE",
        );
        expect(indexes).toEqual([]);
        const key = await ds.query(
          "SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'offer_term' AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
        );
        expect(key.map((r: { c: string }) => r.c)).toEqual(['term', 'published_at', 'offer_id']);
        const triggers = await ds.query(
          'SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME',
        );
        expect(triggers.map((r: { name: string }) => r.name)).toEqual([
          'offer_search_ad',
          'offer_search_ai',
          'offer_search_au',
          'syndication_ad',
          'syndication_ai',
          'syndication_au',
        ]);
      } else {
        const rows = await ds.query(
          "SELECT name FROM sqlite_master WHERE name IN ('offer_fts', 'offer_fts_ai', 'offer_fts_ad', 'offer_fts_au') ORDER BY name",
        );
        expect(rows.map((r: { name: string }) => r.name)).toEqual(['offer_fts', 'offer_fts_ad', 'offer_fts_ai', 'offer_fts_au']);
        const triggers = await ds.query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'syndication%' ORDER BY name");
        expect(triggers.map((r: { name: string }) => r.name)).toEqual(['syndication_ad', 'syndication_ai', 'syndication_au']);
      }

      // Down migrations leave no table of ours behind.
      while (
        (await ds.query(engine === 'mysql' ? 'SELECT COUNT(*) AS n FROM migrations' : 'SELECT COUNT(*) AS n FROM migrations'))[0].n > 0
      ) {
        await ds.undoLastMigration();
      }
      const tables =
        engine === 'mysql'
          ? (await ds.query('SHOW TABLES')).map((r: Record<string, string>) => Object.values(r)[0])
          : (await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map(
              (r: { name: string }) => r.name,
            );
      expect(tables.filter((n: string) => n !== 'migrations')).toEqual([]);
    } finally {
      await ds.destroy();
      await dropDatabase(config);
    }
  });

  it('indexes the ACTIVE offers already stored in the term index (offer-term-index), and back to FULLTEXT', async () => {
    const config = freshDatabaseConfig(engine, 'migrations5');
    if (config.type === 'mysql') await ensureMysqlDatabase(config);
    const position = MIGRATIONS.findIndex((m) => m.name === 'OfferTermIndex1765278000000');
    const upTo = (n: number) => new DataSource({ ...dataSourceOptions(config), migrations: MIGRATIONS.slice(0, n) });
    const offer = (id: number, title: string, status: string) =>
      `INSERT INTO offer (id, source, partner_key, external_id, title, description, contract_type, published_at, updated_at, status, reserved_for_jobseekers) VALUES (${id}, 'AGENCY', 0, 'm-${id}', '${title}', 'Poste à pourvoir.', 'PERMANENT', '2026-01-0${id} 10:00:00.000', '2026-01-01 00:00:00.000', '${status}', 0)`;
    const before = upTo(position);
    await before.initialize();
    try {
      await before.runMigrations();
      await before.query(offer(1, 'Ébéniste', 'ACTIVE'));
      await before.query(offer(2, 'Ébéniste restaurateur', 'ACTIVE'));
      await before.query(offer(3, 'Ébéniste', 'WITHDRAWN'));
    } finally {
      await before.destroy();
    }
    const after = upTo(position + 1);
    await after.initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual(['OfferTermIndex1765278000000']);
      if (engine === 'mysql') {
        const rows = await after.query(
          "SELECT term, CAST(published_at AS CHAR) AS p, offer_id, weight FROM offer_term WHERE term IN ('ebeniste', 'restaurateur', 'poste') ORDER BY term, published_at, offer_id",
        );
        expect(rows).toEqual([
          { term: 'ebeniste', p: '2026-01-01 10:00:00.000', offer_id: 1, weight: 3 },
          { term: 'ebeniste', p: '2026-01-02 10:00:00.000', offer_id: 2, weight: 3 },
          { term: 'poste', p: '2026-01-01 10:00:00.000', offer_id: 1, weight: 1 },
          { term: 'poste', p: '2026-01-02 10:00:00.000', offer_id: 2, weight: 1 },
          { term: 'restaurateur', p: '2026-01-02 10:00:00.000', offer_id: 2, weight: 3 },
        ]);
        expect(await after.query('SELECT offer_id, terms FROM offer_search ORDER BY offer_id')).toEqual([
          { offer_id: 1, terms: 'ebeniste poste pourvoir' },
          { offer_id: 2, terms: 'ebeniste restaurateur poste pourvoir' },
        ]);
      }
      await after.undoLastMigration();
      if (engine === 'mysql') {
        // Back to the FULLTEXT table, filled from the offers.
        const matches = await after.query(
          "SELECT offer_id FROM offer_search WHERE MATCH(title, description) AGAINST ('+ebeniste*' IN BOOLEAN MODE) ORDER BY offer_id",
        );
        expect(matches.map((r: { offer_id: number }) => r.offer_id)).toEqual([1, 2]);
      }
    } finally {
      await after.destroy();
      await dropDatabase(config);
    }
  });

  it("gives the CV terms already stored their CV's department and updated_at (candidate-term-*), and back", async () => {
    const config = freshDatabaseConfig(engine, 'migrations3');
    if (config.type === 'mysql') await ensureMysqlDatabase(config);
    const upTo = (n: number) => new DataSource({ ...dataSourceOptions(config), migrations: MIGRATIONS.slice(0, n) });
    const position = MIGRATIONS.findIndex((m) => m.name === 'CandidateTermDepartment1764586800000');
    const before = upTo(position);
    await before.initialize();
    try {
      await before.runMigrations();
      await before.query(
        `INSERT INTO candidate_cv (pseudonym, candidate_ref, headline, skills, rome_codes, experiences, education, languages, driving_licences, desired_contract_types, commune_code, city, department_code, region_code, mobility_radius_km, search_text, created_at, updated_at)
         VALUES ('p-1', 'ref-1', 'Cuisinier', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '74010', 'Annecy', '74', '84', 10, ' cuisinier', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
      );
      await before.query("INSERT INTO candidate_cv_term (cv_id, kind, value) VALUES (1, 'ROME', 'G1602'), (1, 'SKILL', 'haccp')");
    } finally {
      await before.destroy();
    }
    const after = upTo(position + 2);
    await after.initialize();
    try {
      const terms = () => after.query('SELECT * FROM candidate_cv_term ORDER BY kind');
      expect((await after.runMigrations()).map((m) => m.name)).toEqual([
        'CandidateTermDepartment1764586800000',
        'CandidateTermRecency1764673200000',
      ]);
      expect(
        (await terms()).map((r: Record<string, unknown>) => ({ ...r, cv_updated_at: fromDbDateTime(r.cv_updated_at).toISOString() })),
      ).toEqual([
        { cv_id: 1, kind: 'ROME', value: 'G1602', department_code: '74', cv_updated_at: '2026-01-01T00:00:00.000Z' },
        { cv_id: 1, kind: 'SKILL', value: 'haccp', department_code: '74', cv_updated_at: '2026-01-01T00:00:00.000Z' },
      ]);
      while (Number((await after.query('SELECT COUNT(*) AS n FROM migrations'))[0].n) > position) {
        await after.undoLastMigration();
      }
      expect(await terms()).toEqual([
        { cv_id: 1, kind: 'ROME', value: 'G1602' },
        { cv_id: 1, kind: 'SKILL', value: 'haccp' },
      ]);
    } finally {
      await after.destroy();
      await dropDatabase(config);
    }
  });

  it('gives the audience sketches already stored their own month\u2019s key (audience-key-periods), and back', async () => {
    const config = freshDatabaseConfig(engine, 'migrations4');
    if (config.type === 'mysql') await ensureMysqlDatabase(config);
    const position = MIGRATIONS.findIndex((m) => m.name === 'AudienceKeyPeriods1764846000000');
    const upTo = (n: number) => new DataSource({ ...dataSourceOptions(config), migrations: MIGRATIONS.slice(0, n) });
    const before = upTo(position);
    await before.initialize();
    try {
      await before.runMigrations();
      await before.query("INSERT INTO audience_sketch (scope, day, registers) VALUES (0, '2026-11-30', ?), (3, '2026-12-01', ?)", [
        Buffer.from([1]),
        Buffer.from([2]),
      ]);
      await before.query("INSERT INTO audience_sketch_delta (scope, day, registers) VALUES (0, '2026-11-30', ?)", [Buffer.from([3])]);
    } finally {
      await before.destroy();
    }
    const after = upTo(position + 1);
    await after.initialize();
    const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
    const rows = async (table: string) =>
      (await after.query(`SELECT scope, ${table === 'audience_sketch' ? '' : 'period, '}day FROM ${table} ORDER BY scope`)).map(
        (r: any) => ({ ...r, day: day(r.day) }),
      );
    try {
      await after.runMigrations();
      expect(
        (await after.query('SELECT scope, period, day FROM audience_sketch ORDER BY scope')).map((r: any) => [
          Number(r.scope),
          r.period,
          day(r.day),
        ]),
      ).toEqual([
        [0, '2026-11', '2026-11-30'],
        [3, '2026-12', '2026-12-01'],
      ]);
      expect((await after.query('SELECT period FROM audience_sketch_delta')).map((r: any) => r.period)).toEqual(['2026-11']);
      // A sketch under the next month's key is dropped by the way back; the own-month ones stay.
      await after.query("INSERT INTO audience_sketch (scope, period, day, registers) VALUES (0, '2026-12', '2026-11-30', ?)", [
        Buffer.from([4]),
      ]);
      await after.undoLastMigration();
      expect(await rows('audience_sketch')).toEqual([
        { scope: 0, day: '2026-11-30' },
        { scope: 3, day: '2026-12-01' },
      ]);
    } finally {
      await after.destroy();
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
