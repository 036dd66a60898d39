import type { QueryRunner } from 'typeorm';

/** Whether a migration runs on the embedded SQLite (else MariaDB/MySQL). */
export function onSqlite(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'better-sqlite3';
}

/** Runs the statements written for the engine the migration runs on, in order. */
export async function runForEngine(
  queryRunner: QueryRunner,
  statements: { sqlite: readonly string[]; mysql: readonly string[] },
): Promise<void> {
  for (const statement of onSqlite(queryRunner) ? statements.sqlite : statements.mysql) await queryRunner.query(statement);
}

/** Drops tables in the given order (dependents first), quoting names for the engine. */
export async function dropTables(queryRunner: QueryRunner, tables: readonly string[]): Promise<void> {
  const quote = onSqlite(queryRunner) ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
  for (const table of tables) await queryRunner.query(`DROP TABLE ${quote(table)}`);
}
