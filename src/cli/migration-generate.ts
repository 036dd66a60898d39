import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseConfig } from '../config';
import { dropMysqlDatabase, openDatabase } from '../db/data-source';
import { PROJECT_ROOT } from '../lib/paths';

/**
 * `npm run migration:generate -- <name>`: migrates a scratch SQLite database and a scratch MariaDB
 * database (mysql://root@127.0.0.1:3306, or MIGRATION_MYSQL_URL) to the latest migration, asks
 * TypeORM what the entities still need, and writes a new migration with both engines' statements.
 * Read it before committing: engine-specific objects (FTS) are written by hand.
 */
async function diffFor(db: DatabaseConfig): Promise<string[]> {
  const ds = await openDatabase(db);
  try {
    return (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
  } finally {
    await ds.destroy();
    if (db.type === 'mysql') await dropMysqlDatabase(db);
    else fs.rmSync(db.path, { force: true });
  }
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
    console.error('Usage: npm run migration:generate -- <kebab-case-name>');
    process.exit(2);
  }
  const url = new URL(process.env.MIGRATION_MYSQL_URL || 'mysql://root@127.0.0.1:3306/');
  const sqlite = await diffFor({ type: 'sqlite', path: path.join(PROJECT_ROOT, 'data', `migration-scratch-${process.pid}.sqlite`) });
  const mysql = await diffFor({
    type: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: `passerelle_migration_${process.pid}`,
  });
  if (!sqlite.length && !mysql.length) {
    console.log('The entities and the migrations agree: nothing to generate.');
    return;
  }
  const stamp = Date.now();
  const className = name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()) + stamp;
  const file = path.join(PROJECT_ROOT, 'src', 'db', 'migrations', `${stamp}-${name}.ts`);
  fs.writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForEngine } from './engine-ddl';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(): Promise<void> {
    throw new Error('${className}: write the down migration');
  }
}

const SQLITE_UP: string[] = ${JSON.stringify(sqlite, null, 2)};

const MYSQL_UP: string[] = ${JSON.stringify(mysql, null, 2)};
`,
  );
  console.log(`Wrote ${path.relative(PROJECT_ROOT, file)}: add it to src/db/migrations/index.ts`);
}

main().catch((err) => {
  console.error('migration:generate failed:', err);
  process.exit(1);
});
