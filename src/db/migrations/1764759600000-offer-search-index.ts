import type { MigrationInterface, QueryRunner } from 'typeorm';
import { onSqlite } from './engine-ddl';

/**
 * MariaDB: the FULLTEXT index leaves the offer table for a search table of its own,
 * `offer_search` (offer_id, title, description; ACTIVE offers only), kept up to date from a queue
 * (`offer_search_queue`) that triggers on `offer` fill in the writing transaction and the search
 * index service (src/offers/offer-search-index.ts) empties.
 *
 * Why: InnoDB maintains a FULLTEXT index inside the writing transaction, at commit. It was two thirds
 * of the cost of storing a batch of new offers (50,000 inserts: 8.8 s with it, 2.6 s without), and
 * the index also held the 750,000 expired and withdrawn offers of the history that no search may
 * return. The triggers catch every writer (ingestion, TypeORM entity saves, the seed, hand-written
 * SQL) at the cost of one primary-key insert per changed row.
 *
 * SQLite keeps its FTS5 table, maintained synchronously by its triggers: nothing changes there.
 */
export class OfferSearchIndex1764759600000 implements MigrationInterface {
  name = 'OfferSearchIndex1764759600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    for (const statement of MYSQL_UP) await queryRunner.query(statement);
    if (await hasIndex(queryRunner, 'offer', 'ft_offer_text')) await queryRunner.query('ALTER TABLE `offer` DROP INDEX `ft_offer_text`');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    for (const trigger of TRIGGERS) await queryRunner.query(`DROP TRIGGER \`${trigger}\``);
    await queryRunner.query('DROP TABLE `offer_search_queue`');
    await queryRunner.query('DROP TABLE `offer_search`');
    // ALGORITHM=COPY: on MariaDB 10.11 a FULLTEXT index re-added in place to a table that had one
    // can match nothing (seen on the 1M-offer benchmark database); a copying rebuild is correct.
    await queryRunner.query('ALTER TABLE `offer` ADD FULLTEXT INDEX `ft_offer_text` (`title`, `description`), ALGORITHM=COPY');
  }
}

async function hasIndex(queryRunner: QueryRunner, table: string, index: string): Promise<boolean> {
  const rows: unknown[] = await queryRunner.query(
    'SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1',
    [table, index],
  );
  return rows.length > 0;
}

const TRIGGERS = ['offer_search_ai', 'offer_search_au', 'offer_search_ad'];

/** The queue insert every trigger runs: one row per offer, however many times it changed. */
const ENQUEUE = (row: 'NEW' | 'OLD') => `INSERT IGNORE INTO \`offer_search_queue\` (\`offer_id\`) VALUES (${row}.\`id\`)`;

const MYSQL_UP = [
  'CREATE TABLE `offer_search` (`offer_id` int NOT NULL, `title` varchar(255) NOT NULL, `description` text NOT NULL, PRIMARY KEY (`offer_id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'CREATE TABLE `offer_search_queue` (`offer_id` int NOT NULL, PRIMARY KEY (`offer_id`)) ENGINE=InnoDB',
  `CREATE TRIGGER \`offer_search_ai\` AFTER INSERT ON \`offer\` FOR EACH ROW ${ENQUEUE('NEW')}`,
  // Only what the index holds or depends on: the text, and the status that puts an offer in or out.
  // (The comparison follows the column collation: a change of case or accents alone is not queued,
  // and it would not change what the accent- and case-insensitive index matches.)
  `CREATE TRIGGER \`offer_search_au\` AFTER UPDATE ON \`offer\` FOR EACH ROW IF NOT (NEW.\`status\` <=> OLD.\`status\` AND NEW.\`title\` <=> OLD.\`title\` AND NEW.\`description\` <=> OLD.\`description\`) THEN ${ENQUEUE('NEW')}; END IF`,
  `CREATE TRIGGER \`offer_search_ad\` AFTER DELETE ON \`offer\` FOR EACH ROW ${ENQUEUE('OLD')}`,
  // The offers already there, indexed at once (before the index exists: InnoDB then builds it by
  // sorting, much faster than row by row).
  "INSERT INTO `offer_search` (`offer_id`, `title`, `description`) SELECT `id`, `title`, `description` FROM `offer` WHERE `status` = 'ACTIVE'",
  // The collation is accent- and case-insensitive, and so is the FULLTEXT index built on it.
  'ALTER TABLE `offer_search` ADD FULLTEXT INDEX `ft_offer_search` (`title`, `description`)',
];
