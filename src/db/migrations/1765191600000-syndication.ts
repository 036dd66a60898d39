import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTables, runForEngine } from './engine-ddl';

/**
 * Syndication of the agency's offers to partners (README "Syndication", docs/syndication.md).
 *
 * - `syndication_pending`: one row per write to an agency offer (partner_id NULL), inserted by
 *   triggers on `offer` in the writing transaction, whoever writes (ingestion, expiry, withdrawals,
 *   the seed, entity saves, hand-written SQL), and one row per offer a partner's preference change
 *   moves in or out of its set (`partner_id` set). Writers pay one primary-key insert per agency row.
 * - `syndication_log`: the feed itself. The sequencer (src/syndication/syndication-log.ts) moves
 *   committed pending rows into it under a lock on `syndication_state`, numbering them `seq` in the
 *   order it sees them commit. Auto-increment ids become visible out of commit order; `seq` never
 *   does, so a cursor on `seq` skips nothing.
 * - `syndication_state`: the sequencer's lock row, the next `seq`, and `purged_through` (cursors
 *   at or below it were compacted away: those readers get a snapshot).
 * - `partner_syndication`: each partner's choice (opt-in, preferences) and webhook subscription.
 *
 * These tables are hand-written SQL owned by this migration (no entities), like `offer_search`.
 */
export class Syndication1765191600000 implements MigrationInterface {
  name = 'Syndication1765191600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of TRIGGERS) await queryRunner.query(`DROP TRIGGER ${trigger}`);
    await dropTables(queryRunner, ['partner_syndication', 'syndication_state', 'syndication_log', 'syndication_pending']);
  }
}

const TRIGGERS = ['syndication_ai', 'syndication_au', 'syndication_ad'];

const MYSQL_NOW = 'UTC_TIMESTAMP(3)';
const MYSQL_PENDING = (row: 'NEW' | 'OLD') =>
  `INSERT INTO \`syndication_pending\` (\`offer_id\`, \`changed_at\`) VALUES (${row}.\`id\`, ${MYSQL_NOW})`;

const MYSQL_UP = [
  'CREATE TABLE `syndication_pending` (`id` bigint NOT NULL AUTO_INCREMENT, `offer_id` int NOT NULL, `partner_id` int NULL, `changed_at` datetime(3) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'CREATE TABLE `syndication_log` (`seq` bigint NOT NULL, `offer_id` int NOT NULL, `partner_id` int NULL, `changed_at` datetime(3) NOT NULL, PRIMARY KEY (`seq`), KEY `ix_syndication_log_offer` (`offer_id`, `seq`)) ENGINE=InnoDB',
  'CREATE TABLE `syndication_state` (`id` int NOT NULL, `next_seq` bigint NOT NULL, `purged_through` bigint NOT NULL DEFAULT 0, PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'INSERT INTO `syndication_state` (`id`, `next_seq`, `purged_through`) VALUES (1, 1, 0)',
  'CREATE TABLE `partner_syndication` (`partner_id` int NOT NULL, `enabled` tinyint NOT NULL DEFAULT 0, `preferences` text NOT NULL, `applied_preferences` text NULL, `webhook_url` varchar(500) NULL, `webhook_secret` varchar(100) NULL, `webhook_cursor` varchar(200) NULL, `webhook_paused` tinyint NOT NULL DEFAULT 0, `failures` int NOT NULL DEFAULT 0, `next_attempt_at` datetime(3) NULL, `last_error` varchar(1000) NULL, `last_delivered_at` datetime(3) NULL, `lease_owner` varchar(64) NULL, `lease_until` datetime(3) NULL, `updated_at` datetime(3) NOT NULL, PRIMARY KEY (`partner_id`), CONSTRAINT `fk_partner_syndication_partner` FOREIGN KEY (`partner_id`) REFERENCES `partner` (`id`) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  // Agency offers only (partner_id NULL): partners' offers never enter the feed.
  `CREATE TRIGGER \`syndication_ai\` AFTER INSERT ON \`offer\` FOR EACH ROW IF NEW.\`partner_id\` IS NULL THEN ${MYSQL_PENDING('NEW')}; END IF`,
  `CREATE TRIGGER \`syndication_au\` AFTER UPDATE ON \`offer\` FOR EACH ROW IF NEW.\`partner_id\` IS NULL OR OLD.\`partner_id\` IS NULL THEN ${MYSQL_PENDING('NEW')}; END IF`,
  `CREATE TRIGGER \`syndication_ad\` AFTER DELETE ON \`offer\` FOR EACH ROW IF OLD.\`partner_id\` IS NULL THEN ${MYSQL_PENDING('OLD')}; END IF`,
  // The agency offers already there open the log, so a partner reading from the start gets them.
  `INSERT INTO \`syndication_log\` (\`seq\`, \`offer_id\`, \`partner_id\`, \`changed_at\`) SELECT ROW_NUMBER() OVER (ORDER BY \`id\`), \`id\`, NULL, ${MYSQL_NOW} FROM \`offer\` WHERE \`partner_id\` IS NULL AND \`status\` = 'ACTIVE'`,
  'UPDATE `syndication_state` SET `next_seq` = (SELECT COALESCE(MAX(`seq`), 0) + 1 FROM `syndication_log`) WHERE `id` = 1',
];

const SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
const SQLITE_PENDING = (row: 'NEW' | 'OLD') =>
  `INSERT INTO "syndication_pending" ("offer_id", "changed_at") VALUES (${row}."id", ${SQLITE_NOW})`;

const SQLITE_UP = [
  'CREATE TABLE "syndication_pending" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "offer_id" integer NOT NULL, "partner_id" integer NULL, "changed_at" datetime(3) NOT NULL)',
  'CREATE TABLE "syndication_log" ("seq" integer PRIMARY KEY NOT NULL, "offer_id" integer NOT NULL, "partner_id" integer NULL, "changed_at" datetime(3) NOT NULL)',
  'CREATE INDEX "ix_syndication_log_offer" ON "syndication_log" ("offer_id", "seq")',
  'CREATE TABLE "syndication_state" ("id" integer PRIMARY KEY NOT NULL, "next_seq" integer NOT NULL, "purged_through" integer NOT NULL DEFAULT (0))',
  'INSERT INTO "syndication_state" ("id", "next_seq", "purged_through") VALUES (1, 1, 0)',
  'CREATE TABLE "partner_syndication" ("partner_id" integer PRIMARY KEY NOT NULL, "enabled" boolean NOT NULL DEFAULT (0), "preferences" text NOT NULL, "applied_preferences" text NULL, "webhook_url" varchar(500) NULL, "webhook_secret" varchar(100) NULL, "webhook_cursor" varchar(200) NULL, "webhook_paused" boolean NOT NULL DEFAULT (0), "failures" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NULL, "last_error" varchar(1000) NULL, "last_delivered_at" datetime(3) NULL, "lease_owner" varchar(64) NULL, "lease_until" datetime(3) NULL, "updated_at" datetime(3) NOT NULL, CONSTRAINT "fk_partner_syndication_partner" FOREIGN KEY ("partner_id") REFERENCES "partner" ("id") ON DELETE CASCADE)',
  `CREATE TRIGGER "syndication_ai" AFTER INSERT ON "offer" WHEN NEW."partner_id" IS NULL BEGIN ${SQLITE_PENDING('NEW')}; END`,
  `CREATE TRIGGER "syndication_au" AFTER UPDATE ON "offer" WHEN NEW."partner_id" IS NULL OR OLD."partner_id" IS NULL BEGIN ${SQLITE_PENDING('NEW')}; END`,
  `CREATE TRIGGER "syndication_ad" AFTER DELETE ON "offer" WHEN OLD."partner_id" IS NULL BEGIN ${SQLITE_PENDING('OLD')}; END`,
  `INSERT INTO "syndication_log" ("seq", "offer_id", "partner_id", "changed_at") SELECT ROW_NUMBER() OVER (ORDER BY "id"), "id", NULL, ${SQLITE_NOW} FROM "offer" WHERE "partner_id" IS NULL AND "status" = 'ACTIVE'`,
  'UPDATE "syndication_state" SET "next_seq" = (SELECT COALESCE(MAX("seq"), 0) + 1 FROM "syndication_log") WHERE "id" = 1',
];
