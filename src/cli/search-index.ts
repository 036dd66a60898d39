import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { sql } from '../db/sql';
import { queryPrimary } from '../db/sql-executor';
import { OfferSearchIndexService } from '../offers/offer-search-index';
import { dialectOf } from '../db/dialect';

const USAGE = `Usage: npm run search:index [-- --rebuild]
  (no flag)   index every offer waiting in the queue now (what the hub does in the background)
  --rebuild   rebuild the keyword index from the offer table (after restoring a backup, or if it
              was damaged): the term index written sorted with LOAD DATA; searches find less until it ends
MariaDB only (SQLite's FTS5 index is kept in step synchronously). DATABASE_URL as for npm start.`;

/** `npm run search:index`: operates MariaDB's keyword index (src/offers/offer-search-index.ts). */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--rebuild')) {
    console.error(USAGE);
    process.exit(2);
  }
  const dataSource = await openDatabase(loadConfig().database);
  try {
    if (dialectOf(dataSource) !== 'mysql') {
      console.log('SQLite: the FTS5 keyword index is kept in step by triggers; nothing to do.');
      return;
    }
    const index = new OfferSearchIndexService(dataSource);
    const started = Date.now();
    if (args.includes('--rebuild')) {
      await index.rebuild();
      const [{ n }] = await queryPrimary<{ n: number }>(dataSource, sql`SELECT COUNT(*) AS n FROM offer_search`);
      console.log(
        `Keyword index rebuilt: ${Number(n).toLocaleString('en')} ACTIVE offers in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } else {
      const indexed = await index.indexPending();
      console.log(`Indexed ${indexed.toLocaleString('en')} queued offers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err) => {
  console.error('search:index failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
