import type { MigrationInterface, QueryRunner } from 'typeorm';
import { buildTermIndex, insertSink } from '../offer-term-builder';
import { onSqlite } from './engine-ddl';

/**
 * MariaDB: keyword search leaves InnoDB FULLTEXT for an inverted index of the hub's own,
 * `offer_term` (term, published_at, offer_id, weight), one row per distinct word of each ACTIVE
 * offer's title and description, folded by the hub (src/lib/offer-terms.ts: lower case,
 * accents removed, the tokenizer SQLite's FTS5 uses). Its primary key is in page order within a
 * term, so a keyword page walks one term's rows newest first and stops after a page, and a word
 * prefix is a range of terms. `offer_search` keeps, per indexed offer, the publication date and the
 * terms it was indexed under (what the indexer deletes when the offer changes or leaves); its
 * FULLTEXT index and its copy of the texts go. The queue and its triggers stay; the update trigger
 * also queues a change of publication date (the index is ordered by it).
 *
 * Why: InnoDB FULLTEXT ranks every match before it can sort them: a keyword new to the hub took
 * 218-521 ms p50 and 1.7-4.2 s p99 over 1,000,000 offers (bench/results/history.md), and building
 * it after a bulk load took over 25 minutes.
 *
 * The ACTIVE offers already stored are indexed here (multi-row INSERTs; the seed's bulk path uses
 * LOAD DATA). SQLite keeps its FTS5 table: nothing changes there.
 */
export class OfferTermIndex1765278000000 implements MigrationInterface {
  name = 'OfferTermIndex1765278000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    for (const statement of MYSQL_UP) await queryRunner.query(statement);
    const query = (text: string, params?: unknown[]) => queryRunner.query(text, params);
    await buildTermIndex(query, insertSink(query));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    for (const statement of MYSQL_DOWN) await queryRunner.query(statement);
  }
}

/** The queue insert the update trigger runs (as in OfferSearchIndex1764759600000). */
const ENQUEUE = 'INSERT IGNORE INTO `offer_search_queue` (`offer_id`) VALUES (NEW.`id`)';

const MYSQL_UP = [
  'DROP TRIGGER `offer_search_au`',
  // What the index holds or is ordered by: the text, the status that puts an offer in or out, and
  // the publication date. (Compared byte for byte: a change of case or accents changes nothing the
  // index matches, but re-indexing it is harmless.)
  `CREATE TRIGGER \`offer_search_au\` AFTER UPDATE ON \`offer\` FOR EACH ROW IF NOT (NEW.\`status\` <=> OLD.\`status\` AND BINARY NEW.\`title\` <=> BINARY OLD.\`title\` AND BINARY NEW.\`description\` <=> BINARY OLD.\`description\` AND NEW.\`published_at\` <=> OLD.\`published_at\`) THEN ${ENQUEUE}; END IF`,
  // Rebuilt below from the offer table: whatever was queued is covered.
  'DELETE FROM `offer_search_queue`',
  'DROP TABLE `offer_search`',
  'CREATE TABLE `offer_search` (`offer_id` int NOT NULL, `published_at` datetime(3) NOT NULL, `terms` mediumtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, PRIMARY KEY (`offer_id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  // utf8mb4_bin: terms are already folded, compared and ordered byte for byte (`LIKE 'word%'` is a range).
  'CREATE TABLE `offer_term` (`term` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `published_at` datetime(3) NOT NULL, `offer_id` int NOT NULL, `weight` smallint unsigned NOT NULL, PRIMARY KEY (`term`, `published_at`, `offer_id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
];

const MYSQL_DOWN = [
  'DROP TABLE `offer_term`',
  'DROP TABLE `offer_search`',
  'DELETE FROM `offer_search_queue`',
  'DROP TRIGGER `offer_search_au`',
  `CREATE TRIGGER \`offer_search_au\` AFTER UPDATE ON \`offer\` FOR EACH ROW IF NOT (NEW.\`status\` <=> OLD.\`status\` AND NEW.\`title\` <=> OLD.\`title\` AND NEW.\`description\` <=> OLD.\`description\`) THEN ${ENQUEUE}; END IF`,
  'CREATE TABLE `offer_search` (`offer_id` int NOT NULL, `title` varchar(255) NOT NULL, `description` text NOT NULL, PRIMARY KEY (`offer_id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  "INSERT INTO `offer_search` (`offer_id`, `title`, `description`) SELECT `id`, `title`, `description` FROM `offer` WHERE `status` = 'ACTIVE'",
  'ALTER TABLE `offer_search` ADD FULLTEXT INDEX `ft_offer_search` (`title`, `description`)',
];
