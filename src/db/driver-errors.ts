/** What the database driver says of a failed statement (mysql2 or better-sqlite3). */
interface DriverError {
  errno?: number;
  code?: string;
  sqlMessage?: string;
}

/** The driver's error behind a TypeORM QueryFailedError, or the driver's own error as thrown. */
export function driverErrorOf(err: unknown): DriverError | undefined {
  return (err as { driverError?: DriverError } | undefined)?.driverError ?? (err as DriverError | undefined);
}

/**
 * A unique-key violation, on either engine. With `mysqlIndex`, only MariaDB's on that unique index
 * (named in its message): a check for conflicts SQLite's single writer cannot meet.
 */
export function isDuplicateKey(err: unknown, mysqlIndex?: string): boolean {
  const e = driverErrorOf(err);
  if (mysqlIndex !== undefined) return Number(e?.errno) === 1062 && String(e?.sqlMessage ?? '').includes(mysqlIndex);
  return Number(e?.errno) === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
