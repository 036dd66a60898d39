import type { MigrationInterface, QueryRunner } from 'typeorm';
import { onSqlite } from './engine-ddl';

/**
 * The references others choose, and that unique keys compare, are compared as exact bytes on both
 * engines (issue 14): a partner's `Job-42` and `job-42`, `é` and `e` + combining accent, `Job42`
 * and `Job\u200B42` are different offers. MariaDB compared them with the tables' accent- and
 * case-insensitive utf8mb4_unicode_ci (zero-width characters ignored), while the ingestion service
 * keys its maps by exact string: two such ids in one batch, or a variant of a stored id, hit the
 * unique key and failed the whole call, forever. SQLite's columns already compare with BINARY.
 *
 * - offer.external_id and ingest_batch.batch_id: a publisher's own references;
 * - api_key.prefix: random base62, where case is half the alphabet (`psk_Ab12Cd34` and
 *   `psk_aB12cD34` are two keys);
 * - candidate_cv.candidate_ref: the agency's reference, one CV per candidate (its uniqueness
 *   answered differently on the two engines).
 *
 * The collation is a NO PAD binary one where the server has it (MariaDB's utf8mb4_nopad_bin,
 * MySQL 8's utf8mb4_0900_bin): utf8mb4_bin would still take `b1` and `b1 ` for the same batchId.
 * A binary collation tells apart everything unicode_ci did, so no stored pair can collide. MariaDB
 * rebuilds each table (the offer table: allow some minutes per million offers). Undoing it fails
 * if variants that unicode_ci takes for equal were stored meanwhile, as it should.
 */
export class ExactReferences1764932400000 implements MigrationInterface {
  name = 'ExactReferences1764932400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    const collation = await exactCollation(queryRunner);
    for (const [table, column, type] of EXACT_REFERENCE_COLUMNS) {
      await queryRunner.query(`ALTER TABLE \`${table}\` MODIFY \`${column}\` ${type} CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (onSqlite(queryRunner)) return;
    for (const [table, column, type] of EXACT_REFERENCE_COLUMNS) {
      await queryRunner.query(
        `ALTER TABLE \`${table}\` MODIFY \`${column}\` ${type} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL`,
      );
    }
  }
}

/** [table, column, type]: each is NOT NULL and under a unique key. */
export const EXACT_REFERENCE_COLUMNS: ReadonlyArray<readonly [string, string, string]> = [
  ['offer', 'external_id', 'varchar(128)'],
  ['ingest_batch', 'batch_id', 'varchar(128)'],
  ['api_key', 'prefix', 'varchar(16)'],
  ['candidate_cv', 'candidate_ref', 'varchar(64)'],
];

/** The server's byte-exact utf8mb4 collation: NO PAD when it has one. */
async function exactCollation(queryRunner: QueryRunner): Promise<string> {
  for (const name of ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin']) {
    const rows: unknown[] = await queryRunner.query('SHOW COLLATION WHERE Collation = ?', [name]);
    if (rows.length > 0) return name;
  }
  return 'utf8mb4_bin';
}
