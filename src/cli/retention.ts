import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { RetentionService } from '../candidates/retention.service';

/**
 * `npm run retention`: applies the candidate-data storage limits to DATABASE_URL once (the server
 * also does, every RETENTION_INTERVAL_MINUTES) and prints what it removed.
 */
async function main(): Promise<void> {
  const dataSource = await openDatabase(loadConfig().database);
  try {
    const report = await new RetentionService(dataSource).run();
    console.log(
      `Retention: ${report.consentsExpired} consents expired, ${report.cvsDeleted} CVs deleted (no active consent, no update for 2 years), ${report.accessLogRowsPurged} access-log rows purged (older than 1 year)`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err) => {
  console.error('Retention failed:', err);
  process.exit(1);
});
