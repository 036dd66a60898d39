import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTables, runForEngine } from './engine-ddl';

/**
 * Candidate CVs shared with partners: the CV, its filter terms, its contact details (a table of
 * their own), the consent ledger and the access log. The DDL is what TypeORM's schema builder
 * derives from the entities (a test checks they agree), with SQLite's foreign keys written inline.
 */
export class CandidateCvs1764338400000 implements MigrationInterface {
  name = 'CandidateCvs1764338400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: SQLITE_UP, mysql: MYSQL_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, ['cv_access_log', 'consent', 'candidate_cv_term', 'candidate_contact', 'candidate_cv']);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "candidate_cv" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "pseudonym" varchar(36) NOT NULL, "candidate_ref" varchar(64) NOT NULL, "headline" varchar(255) NOT NULL, "summary" text, "skills" json NOT NULL, "rome_codes" json NOT NULL, "experiences" json NOT NULL, "education" json NOT NULL, "languages" json NOT NULL, "driving_licences" json NOT NULL, "desired_contract_types" json NOT NULL, "commune_code" varchar(5) NOT NULL, "postal_code" varchar(5), "city" varchar(128) NOT NULL, "department_code" varchar(3) NOT NULL, "region_code" varchar(3) NOT NULL, "latitude" double, "longitude" double, "mobility_radius_km" integer NOT NULL, "available_from" varchar(10), "search_text" text NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_candidate_cv_geo" ON "candidate_cv" ("latitude", "longitude")`,
  `CREATE INDEX "ix_candidate_cv_department" ON "candidate_cv" ("department_code", "updated_at", "id")`,
  `CREATE INDEX "ix_candidate_cv_keyset" ON "candidate_cv" ("updated_at", "id")`,
  `CREATE UNIQUE INDEX "uq_candidate_cv_pseudonym" ON "candidate_cv" ("pseudonym")`,
  `CREATE UNIQUE INDEX "uq_candidate_cv_ref" ON "candidate_cv" ("candidate_ref")`,
  `CREATE TABLE "candidate_contact" ("cv_id" integer PRIMARY KEY NOT NULL, "name" varchar(200), "email" varchar(254), "phone" varchar(20), CONSTRAINT "fk_candidate_contact_cv" FOREIGN KEY ("cv_id") REFERENCES "candidate_cv" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `CREATE TABLE "candidate_cv_term" ("cv_id" integer NOT NULL, "kind" varchar(8) NOT NULL, "value" varchar(100) NOT NULL, CONSTRAINT "fk_candidate_cv_term_cv" FOREIGN KEY ("cv_id") REFERENCES "candidate_cv" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("cv_id", "kind", "value"))`,
  `CREATE INDEX "ix_candidate_cv_term_value" ON "candidate_cv_term" ("kind", "value", "cv_id")`,
  `CREATE TABLE "consent" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "cv_id" integer NOT NULL, "partner_id" integer, "share_contact" boolean NOT NULL, "granted_at" datetime(3) NOT NULL, "expires_at" datetime(3) NOT NULL, "revoked_at" datetime(3), "expired_at" datetime(3), CONSTRAINT "fk_consent_cv" FOREIGN KEY ("cv_id") REFERENCES "candidate_cv" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "fk_consent_partner" FOREIGN KEY ("partner_id") REFERENCES "partner" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
  `CREATE INDEX "ix_consent_expires" ON "consent" ("expires_at")`,
  `CREATE INDEX "ix_consent_partner" ON "consent" ("partner_id")`,
  `CREATE INDEX "ix_consent_cv" ON "consent" ("cv_id", "expires_at")`,
  `CREATE TABLE "cv_access_log" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "partner_id" integer NOT NULL, "api_key_id" integer, "cv_pseudonym" varchar(36) NOT NULL, "consent_id" integer, "field" varchar(8) NOT NULL, "request_id" varchar(64) NOT NULL, "accessed_at" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_cv_access_log_at" ON "cv_access_log" ("accessed_at")`,
  `CREATE INDEX "ix_cv_access_log_partner" ON "cv_access_log" ("partner_id", "accessed_at")`,
  `CREATE INDEX "ix_cv_access_log_cv" ON "cv_access_log" ("cv_pseudonym", "accessed_at")`,
];

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const MYSQL_UP = [
  `CREATE TABLE \`candidate_cv\` (\`id\` int NOT NULL AUTO_INCREMENT, \`pseudonym\` varchar(36) NOT NULL, \`candidate_ref\` varchar(64) NOT NULL, \`headline\` varchar(255) NOT NULL, \`summary\` text NULL, \`skills\` json NOT NULL, \`rome_codes\` json NOT NULL, \`experiences\` json NOT NULL, \`education\` json NOT NULL, \`languages\` json NOT NULL, \`driving_licences\` json NOT NULL, \`desired_contract_types\` json NOT NULL, \`commune_code\` varchar(5) NOT NULL, \`postal_code\` varchar(5) NULL, \`city\` varchar(128) NOT NULL, \`department_code\` varchar(3) NOT NULL, \`region_code\` varchar(3) NOT NULL, \`latitude\` double NULL, \`longitude\` double NULL, \`mobility_radius_km\` int NOT NULL, \`available_from\` varchar(10) NULL, \`search_text\` text NOT NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, INDEX \`ix_candidate_cv_geo\` (\`latitude\`, \`longitude\`), INDEX \`ix_candidate_cv_department\` (\`department_code\`, \`updated_at\`, \`id\`), INDEX \`ix_candidate_cv_keyset\` (\`updated_at\`, \`id\`), UNIQUE INDEX \`uq_candidate_cv_pseudonym\` (\`pseudonym\`), UNIQUE INDEX \`uq_candidate_cv_ref\` (\`candidate_ref\`), PRIMARY KEY (\`id\`)) ${TABLE_OPTIONS}`,
  `CREATE TABLE \`candidate_contact\` (\`cv_id\` int NOT NULL, \`name\` varchar(200) NULL, \`email\` varchar(254) NULL, \`phone\` varchar(20) NULL, PRIMARY KEY (\`cv_id\`)) ${TABLE_OPTIONS}`,
  `CREATE TABLE \`candidate_cv_term\` (\`cv_id\` int NOT NULL, \`kind\` varchar(8) NOT NULL, \`value\` varchar(100) NOT NULL, INDEX \`ix_candidate_cv_term_value\` (\`kind\`, \`value\`, \`cv_id\`), PRIMARY KEY (\`cv_id\`, \`kind\`, \`value\`)) ${TABLE_OPTIONS}`,
  `CREATE TABLE \`consent\` (\`id\` int NOT NULL AUTO_INCREMENT, \`cv_id\` int NOT NULL, \`partner_id\` int NULL, \`share_contact\` tinyint NOT NULL, \`granted_at\` datetime(3) NOT NULL, \`expires_at\` datetime(3) NOT NULL, \`revoked_at\` datetime(3) NULL, \`expired_at\` datetime(3) NULL, INDEX \`ix_consent_expires\` (\`expires_at\`), INDEX \`ix_consent_partner\` (\`partner_id\`), INDEX \`ix_consent_cv\` (\`cv_id\`, \`expires_at\`), PRIMARY KEY (\`id\`)) ${TABLE_OPTIONS}`,
  `CREATE TABLE \`cv_access_log\` (\`id\` int NOT NULL AUTO_INCREMENT, \`partner_id\` int NOT NULL, \`api_key_id\` int NULL, \`cv_pseudonym\` varchar(36) NOT NULL, \`consent_id\` int NULL, \`field\` varchar(8) NOT NULL, \`request_id\` varchar(64) NOT NULL, \`accessed_at\` datetime(3) NOT NULL, INDEX \`ix_cv_access_log_at\` (\`accessed_at\`), INDEX \`ix_cv_access_log_partner\` (\`partner_id\`, \`accessed_at\`), INDEX \`ix_cv_access_log_cv\` (\`cv_pseudonym\`, \`accessed_at\`), PRIMARY KEY (\`id\`)) ${TABLE_OPTIONS}`,
  'ALTER TABLE `candidate_contact` ADD CONSTRAINT `fk_candidate_contact_cv` FOREIGN KEY (`cv_id`) REFERENCES `candidate_cv`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `candidate_cv_term` ADD CONSTRAINT `fk_candidate_cv_term_cv` FOREIGN KEY (`cv_id`) REFERENCES `candidate_cv`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `consent` ADD CONSTRAINT `fk_consent_cv` FOREIGN KEY (`cv_id`) REFERENCES `candidate_cv`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `consent` ADD CONSTRAINT `fk_consent_partner` FOREIGN KEY (`partner_id`) REFERENCES `partner`(`id`) ON DELETE RESTRICT ON UPDATE NO ACTION',
];
