import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTables, runForEngine } from './engine-ddl';

/** API keys (hashed, revocable, bound to a partner or to the agency) and stored ingestion batches. */
export class PartnerIntegrations1764252000000 implements MigrationInterface {
  name = 'PartnerIntegrations1764252000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, ['ingest_batch', 'api_key']);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "api_key" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "prefix" varchar(16) NOT NULL, "key_hash" varchar(64) NOT NULL, "role" varchar(16) NOT NULL, "partner_id" integer, "label" varchar(200), "created_at" datetime(3) NOT NULL, "last_used_at" datetime(3), "revoked_at" datetime(3), CONSTRAINT "fk_api_key_partner" FOREIGN KEY ("partner_id") REFERENCES "partner" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
  `CREATE INDEX "ix_api_key_partner" ON "api_key" ("partner_id")`,
  `CREATE UNIQUE INDEX "uq_api_key_prefix" ON "api_key" ("prefix")`,
  `CREATE TABLE "ingest_batch" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "publisher_key" integer NOT NULL, "batch_id" varchar(128) NOT NULL, "payload_hash" varchar(64) NOT NULL, "response" json NOT NULL, "created_at" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_ingest_batch_created" ON "ingest_batch" ("created_at")`,
  `CREATE UNIQUE INDEX "uq_ingest_batch" ON "ingest_batch" ("publisher_key", "batch_id")`,
];

const MYSQL_UP = [
  'CREATE TABLE `api_key` (`id` int NOT NULL AUTO_INCREMENT, `prefix` varchar(16) NOT NULL, `key_hash` varchar(64) NOT NULL, `role` varchar(16) NOT NULL, `partner_id` int NULL, `label` varchar(200) NULL, `created_at` datetime(3) NOT NULL, `last_used_at` datetime(3) NULL, `revoked_at` datetime(3) NULL, INDEX `ix_api_key_partner` (`partner_id`), UNIQUE INDEX `uq_api_key_prefix` (`prefix`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'CREATE TABLE `ingest_batch` (`id` int NOT NULL AUTO_INCREMENT, `publisher_key` int NOT NULL, `batch_id` varchar(128) NOT NULL, `payload_hash` varchar(64) NOT NULL, `response` json NOT NULL, `created_at` datetime(3) NOT NULL, INDEX `ix_ingest_batch_created` (`created_at`), UNIQUE INDEX `uq_ingest_batch` (`publisher_key`, `batch_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'ALTER TABLE `api_key` ADD CONSTRAINT `fk_api_key_partner` FOREIGN KEY (`partner_id`) REFERENCES `partner`(`id`) ON DELETE RESTRICT ON UPDATE NO ACTION',
];
