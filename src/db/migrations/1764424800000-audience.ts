import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTables, runForEngine } from './engine-ddl';

/**
 * Audience: daily counts per offer and per scope (whole site, each partner), one distinct-visitor
 * sketch per day and scope with the batches' pending deltas, and the monthly secrets that key the
 * visitor-id hash. The DDL is what TypeORM's schema builder derives from the entities (a test
 * checks they agree).
 */
export class Audience1764424800000 implements MigrationInterface {
  name = 'Audience1764424800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, [
      'audience_secret',
      'audience_sketch_delta',
      'audience_sketch',
      'audience_scope_day',
      'audience_offer_day',
    ]);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "audience_offer_day" ("offer_id" integer NOT NULL, "day" date NOT NULL, "impressions" integer NOT NULL DEFAULT (0), "views" integer NOT NULL DEFAULT (0), "apply_clicks" integer NOT NULL DEFAULT (0), PRIMARY KEY ("offer_id", "day"))`,
  `CREATE TABLE "audience_scope_day" ("scope" integer NOT NULL, "day" date NOT NULL, "impressions" integer NOT NULL DEFAULT (0), "views" integer NOT NULL DEFAULT (0), "apply_clicks" integer NOT NULL DEFAULT (0), PRIMARY KEY ("scope", "day"))`,
  `CREATE TABLE "audience_sketch" ("scope" integer NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL, PRIMARY KEY ("scope", "day"))`,
  `CREATE TABLE "audience_sketch_delta" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "scope" integer NOT NULL, "day" date NOT NULL, "registers" blob NOT NULL)`,
  `CREATE INDEX "ix_audience_sketch_delta_scope_day" ON "audience_sketch_delta" ("scope", "day")`,
  `CREATE TABLE "audience_secret" ("period" varchar(7) PRIMARY KEY NOT NULL, "secret" varchar(64) NOT NULL, "created_at" datetime(3) NOT NULL)`,
];

const MYSQL_UP = [
  "CREATE TABLE `audience_offer_day` (`offer_id` int NOT NULL, `day` date NOT NULL, `impressions` int NOT NULL DEFAULT '0', `views` int NOT NULL DEFAULT '0', `apply_clicks` int NOT NULL DEFAULT '0', PRIMARY KEY (`offer_id`, `day`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
  "CREATE TABLE `audience_scope_day` (`scope` int NOT NULL, `day` date NOT NULL, `impressions` int NOT NULL DEFAULT '0', `views` int NOT NULL DEFAULT '0', `apply_clicks` int NOT NULL DEFAULT '0', PRIMARY KEY (`scope`, `day`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
  // BLOB holds 64 KiB: a dense sketch is 32 KiB + 2 bytes (HLL_PRECISION 15).
  'CREATE TABLE `audience_sketch` (`scope` int NOT NULL, `day` date NOT NULL, `registers` blob NOT NULL, PRIMARY KEY (`scope`, `day`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'CREATE TABLE `audience_sketch_delta` (`id` int NOT NULL AUTO_INCREMENT, `scope` int NOT NULL, `day` date NOT NULL, `registers` blob NOT NULL, INDEX `ix_audience_sketch_delta_scope_day` (`scope`, `day`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'CREATE TABLE `audience_secret` (`period` varchar(7) NOT NULL, `secret` varchar(64) NOT NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`period`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
];
