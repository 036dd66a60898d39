import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForEngine } from './engine-ddl';

/** api_key.expires_at: an optional end of validity set at issue time (issue 19). */
export class ApiKeyExpiry1765018800000 implements MigrationInterface {
  name = 'ApiKeyExpiry1765018800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, {
      sqlite: ['ALTER TABLE "api_key" ADD COLUMN "expires_at" datetime(3)'],
      mysql: ['ALTER TABLE `api_key` ADD `expires_at` datetime(3) NULL'],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForEngine(queryRunner, {
      sqlite: ['ALTER TABLE "api_key" DROP COLUMN "expires_at"'],
      mysql: ['ALTER TABLE `api_key` DROP COLUMN `expires_at`'],
    });
  }
}
