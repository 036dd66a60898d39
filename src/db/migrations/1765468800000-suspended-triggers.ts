import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForEngine } from './engine-ddl';

/**
 * suspended_trigger (MariaDB only): the definitions of triggers a bulk load dropped for its
 * duration (src/db/suspended-triggers.ts). InnoDB builds the indexes of an empty table by sorting
 * only for a load into a table without triggers; the definitions are kept here, in the database,
 * so that a load killed half-way has them restored by the next start of any hub or seed.
 */
export class SuspendedTriggers1765468800000 implements MigrationInterface {
  name = 'SuspendedTriggers1765468800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, {
      sqlite: [],
      mysql: [
        'CREATE TABLE `suspended_trigger` (`id` int NOT NULL AUTO_INCREMENT, `name` varchar(64) NOT NULL, `sql_mode` varchar(1024) NOT NULL, `definition` mediumtext NOT NULL, PRIMARY KEY (`id`), UNIQUE KEY `uq_suspended_trigger_name` (`name`)) ENGINE=InnoDB',
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, { sqlite: [], mysql: ['DROP TABLE `suspended_trigger`'] });
  }
}
