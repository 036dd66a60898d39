import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForEngine } from './engine-ddl';

/**
 * Audience sketches get the visitor-hash key they were hashed under (`period`, `YYYY-MM`): keys now
 * have overlapping lifetimes (src/audience/audience-keys.ts), so a day in the 31 days before a month
 * starts has two sketches per scope, one under its own month's key and one under the next month's.
 *
 * The rows already there were hashed under their own month's key only and get that period. The
 * days written before this migration thus have no sketch under the next month's key: a report
 * range of those days that crosses a month boundary counts their visitors from the days of its
 * last month only. New events are hashed under both keys.
 */
export class AudienceKeyPeriods1764846000000 implements MigrationInterface {
  name = 'AudienceKeyPeriods1764846000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_DOWN, mysql: MYSQL_DOWN });
  }
}

const SQLITE_UP = [
  `CREATE TABLE "audience_sketch_next" ("scope" integer NOT NULL, "period" varchar(7) NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL, PRIMARY KEY ("scope", "period", "day"))`,
  `INSERT INTO "audience_sketch_next" ("scope", "period", "day", "registers") SELECT "scope", substr("day", 1, 7), "day", "registers" FROM "audience_sketch"`,
  `DROP TABLE "audience_sketch"`,
  `ALTER TABLE "audience_sketch_next" RENAME TO "audience_sketch"`,
  `CREATE TABLE "audience_sketch_delta_next" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "scope" integer NOT NULL, "period" varchar(7) NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL)`,
  `INSERT INTO "audience_sketch_delta_next" ("id", "scope", "period", "day", "registers") SELECT "id", "scope", substr("day", 1, 7), "day", "registers" FROM "audience_sketch_delta"`,
  `DROP TABLE "audience_sketch_delta"`,
  `ALTER TABLE "audience_sketch_delta_next" RENAME TO "audience_sketch_delta"`,
  `CREATE INDEX "ix_audience_sketch_delta_scope_period_day" ON "audience_sketch_delta" ("scope", "period", "day")`,
];

const SQLITE_DOWN = [
  `CREATE TABLE "audience_sketch_prev" ("scope" integer NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL, PRIMARY KEY ("scope", "day"))`,
  `INSERT INTO "audience_sketch_prev" ("scope", "day", "registers") SELECT "scope", "day", "registers" FROM "audience_sketch" WHERE "period" = substr("day", 1, 7)`,
  `DROP TABLE "audience_sketch"`,
  `ALTER TABLE "audience_sketch_prev" RENAME TO "audience_sketch"`,
  `CREATE TABLE "audience_sketch_delta_prev" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "scope" integer NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL)`,
  `INSERT INTO "audience_sketch_delta_prev" ("id", "scope", "day", "registers") SELECT "id", "scope", "day", "registers" FROM "audience_sketch_delta" WHERE "period" = substr("day", 1, 7)`,
  `DROP TABLE "audience_sketch_delta"`,
  `ALTER TABLE "audience_sketch_delta_prev" RENAME TO "audience_sketch_delta"`,
  `CREATE INDEX "ix_audience_sketch_delta_scope_day" ON "audience_sketch_delta" ("scope", "day")`,
];

const MYSQL_UP = [
  'ALTER TABLE `audience_sketch` ADD `period` varchar(7) NOT NULL AFTER `scope`',
  "UPDATE `audience_sketch` SET `period` = DATE_FORMAT(`day`, '%Y-%m')",
  'ALTER TABLE `audience_sketch` DROP PRIMARY KEY, ADD PRIMARY KEY (`scope`, `period`, `day`)',
  'ALTER TABLE `audience_sketch_delta` ADD `period` varchar(7) NOT NULL AFTER `scope`',
  "UPDATE `audience_sketch_delta` SET `period` = DATE_FORMAT(`day`, '%Y-%m')",
  'ALTER TABLE `audience_sketch_delta` DROP INDEX `ix_audience_sketch_delta_scope_day`, ADD INDEX `ix_audience_sketch_delta_scope_period_day` (`scope`, `period`, `day`)',
];

const MYSQL_DOWN = [
  "DELETE FROM `audience_sketch` WHERE `period` <> DATE_FORMAT(`day`, '%Y-%m')",
  'ALTER TABLE `audience_sketch` DROP PRIMARY KEY, ADD PRIMARY KEY (`scope`, `day`), DROP COLUMN `period`',
  "DELETE FROM `audience_sketch_delta` WHERE `period` <> DATE_FORMAT(`day`, '%Y-%m')",
  'ALTER TABLE `audience_sketch_delta` DROP INDEX `ix_audience_sketch_delta_scope_period_day`, ADD INDEX `ix_audience_sketch_delta_scope_day` (`scope`, `day`), DROP COLUMN `period`',
];
