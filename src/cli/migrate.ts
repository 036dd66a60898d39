import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { sql } from '../db/sql';
import { queryPrimary } from '../db/sql-executor';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (the server also does at start-up). */
async function main(): Promise<void> {
  const dataSource = await openDatabase(loadConfig().database);
  const applied = await queryPrimary<{ name: string }>(dataSource, sql`SELECT name FROM migrations ORDER BY id`);
  console.log(`Database is at: ${applied.map((m) => m.name).join(', ') || '(no migration)'}`);
  await dataSource.destroy();
}

main().catch((err) => {
  console.error('Migration failed:', err);
  process.exit(1);
});
