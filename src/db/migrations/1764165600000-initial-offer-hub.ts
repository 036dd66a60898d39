import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTables, runForEngine } from './engine-ddl';

/**
 * Partners and offers, with the indexes the public search uses, and the engine-specific full-text
 * index (MariaDB FULLTEXT; SQLite FTS5 external-content table kept in step by triggers).
 * The DDL is what TypeORM's schema builder derives from the entities (a test checks they agree).
 */
export class InitialOfferHub1764165600000 implements MigrationInterface {
  name = 'InitialOfferHub1764165600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, {
      sqlite: ['DROP TRIGGER offer_fts_ai', 'DROP TRIGGER offer_fts_ad', 'DROP TRIGGER offer_fts_au', 'DROP TABLE offer_fts'],
      mysql: [],
    });
    await dropTables(queryRunner, ['offer', 'partner']);
  }
}

const OFFER_INDEXES: Array<[name: string, columns: string[]]> = [
  ['ix_offer_valid_through', ['status', 'valid_through']],
  ['ix_offer_geo', ['status', 'latitude', 'longitude']],
  ['ix_offer_partner', ['partner_id', 'status', 'published_at', 'id']],
  ['ix_offer_region', ['status', 'region_code', 'published_at', 'id']],
  ['ix_offer_contract', ['status', 'contract_type', 'published_at', 'id']],
  ['ix_offer_rome', ['status', 'rome_code', 'published_at', 'id']],
  ['ix_offer_department', ['status', 'department_code', 'published_at', 'id']],
  ['ix_offer_keyset', ['status', 'published_at', 'id']],
];

const SQLITE_UP = [
  `CREATE TABLE "partner" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "code" varchar(64) NOT NULL, "name" varchar(200) NOT NULL, "website" varchar(500), "logo_url" varchar(500), "status" varchar(16) NOT NULL DEFAULT ('ACTIVE'), "created_at" datetime(3) NOT NULL)`,
  `CREATE UNIQUE INDEX "uq_partner_code" ON "partner" ("code")`,
  `CREATE TABLE "offer" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "source" varchar(8) NOT NULL, "partner_id" integer, "partner_key" integer NOT NULL DEFAULT (0), "external_id" varchar(128) NOT NULL, "title" varchar(255) NOT NULL, "description" text NOT NULL, "rome_code" varchar(5), "employer_name" varchar(255), "employer_url" varchar(500), "location_label" varchar(255), "commune_code" varchar(5), "postal_code" varchar(5), "city" varchar(128), "department_code" varchar(3), "region_code" varchar(3), "latitude" double, "longitude" double, "contract_type" varchar(16) NOT NULL, "full_time" boolean, "salary_min" double, "salary_max" double, "salary_currency" varchar(3), "salary_period" varchar(8), "salary_label" varchar(255), "salary_yearly_min" double, "experience_level" varchar(32), "published_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "valid_through" datetime(3), "status" varchar(16) NOT NULL DEFAULT ('ACTIVE'), "apply_url" varchar(1000), "reserved_for_jobseekers" boolean NOT NULL DEFAULT (0), "content_hash" varchar(64), CONSTRAINT "fk_offer_partner" FOREIGN KEY ("partner_id") REFERENCES "partner" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
  `CREATE UNIQUE INDEX "uq_offer_partner_external" ON "offer" ("partner_key", "external_id")`,
  ...OFFER_INDEXES.map(([name, cols]) => `CREATE INDEX "${name}" ON "offer" (${cols.map((c) => `"${c}"`).join(', ')})`),
  // remove_diacritics 2: "ingénieur" and "Ingenieur" are the same token.
  `CREATE VIRTUAL TABLE offer_fts USING fts5(title, description, content='offer', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
  `CREATE TRIGGER offer_fts_ai AFTER INSERT ON offer BEGIN INSERT INTO offer_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END`,
  `CREATE TRIGGER offer_fts_ad AFTER DELETE ON offer BEGIN INSERT INTO offer_fts(offer_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description); END`,
  `CREATE TRIGGER offer_fts_au AFTER UPDATE OF title, description ON offer BEGIN INSERT INTO offer_fts(offer_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description); INSERT INTO offer_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END`,
];

const MYSQL_UP = [
  "CREATE TABLE `partner` (`id` int NOT NULL AUTO_INCREMENT, `code` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, `website` varchar(500) NULL, `logo_url` varchar(500) NULL, `status` varchar(16) NOT NULL DEFAULT 'ACTIVE', `created_at` datetime(3) NOT NULL, UNIQUE INDEX `uq_partner_code` (`code`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
  "CREATE TABLE `offer` (`id` int NOT NULL AUTO_INCREMENT, `source` varchar(8) NOT NULL, `partner_id` int NULL, `partner_key` int NOT NULL DEFAULT '0', `external_id` varchar(128) NOT NULL, `title` varchar(255) NOT NULL, `description` text NOT NULL, `rome_code` varchar(5) NULL, `employer_name` varchar(255) NULL, `employer_url` varchar(500) NULL, `location_label` varchar(255) NULL, `commune_code` varchar(5) NULL, `postal_code` varchar(5) NULL, `city` varchar(128) NULL, `department_code` varchar(3) NULL, `region_code` varchar(3) NULL, `latitude` double NULL, `longitude` double NULL, `contract_type` varchar(16) NOT NULL, `full_time` tinyint NULL, `salary_min` double NULL, `salary_max` double NULL, `salary_currency` varchar(3) NULL, `salary_period` varchar(8) NULL, `salary_label` varchar(255) NULL, `salary_yearly_min` double NULL, `experience_level` varchar(32) NULL, `published_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, `valid_through` datetime(3) NULL, `status` varchar(16) NOT NULL DEFAULT 'ACTIVE', `apply_url` varchar(1000) NULL, `reserved_for_jobseekers` tinyint NOT NULL DEFAULT 0, `content_hash` varchar(64) NULL, " +
    OFFER_INDEXES.map(([name, cols]) => `INDEX \`${name}\` (${cols.map((c) => `\`${c}\``).join(', ')}), `).join('') +
    'UNIQUE INDEX `uq_offer_partner_external` (`partner_key`, `external_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  'ALTER TABLE `offer` ADD CONSTRAINT `fk_offer_partner` FOREIGN KEY (`partner_id`) REFERENCES `partner`(`id`) ON DELETE RESTRICT ON UPDATE NO ACTION',
  // The collation is accent- and case-insensitive, and so is the FULLTEXT index built on it.
  'ALTER TABLE `offer` ADD FULLTEXT INDEX `ft_offer_text` (`title`, `description`)',
];
