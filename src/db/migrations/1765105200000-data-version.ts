import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForEngine } from './engine-ddl';

/**
 * data_version: one row whose version every write to the offer stock bumps after it commits
 * (src/db/offer-stock.ts), whichever process makes it (a hub, the import CLI, the seed). Hub
 * processes poll it (at most once a second) so that cached counts follow other processes' writes.
 */
export class DataVersion1765105200000 implements MigrationInterface {
  name = 'DataVersion1765105200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, {
      sqlite: [
        'CREATE TABLE "data_version" ("id" integer PRIMARY KEY NOT NULL, "version" integer NOT NULL DEFAULT (0))',
        'INSERT INTO "data_version" ("id", "version") VALUES (1, 0)',
      ],
      mysql: [
        'CREATE TABLE `data_version` (`id` int NOT NULL, `version` bigint NOT NULL DEFAULT 0, PRIMARY KEY (`id`)) ENGINE=InnoDB',
        'INSERT INTO `data_version` (`id`, `version`) VALUES (1, 0)',
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: ['DROP TABLE "data_version"'], mysql: ['DROP TABLE `data_version`'] });
  }
}
