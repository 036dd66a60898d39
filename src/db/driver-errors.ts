import { ServiceUnavailableError } from '../errors';

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

/**
 * MariaDB/MySQL errors of a database that is not answering in time, not of the statement:
 * max_statement_time exceeded (1969), lock wait timeout (1205), deadlock (1213, once retries are
 * spent), too many connections (1040), shutdown in progress (1053), query interrupted (1317),
 * connection killed (1927), client idle timeout (4031).
 */
const UNAVAILABLE_MYSQL_ERRNO = new Set([1969, 1205, 1213, 1040, 1053, 1317, 1927, 4031]);

/** Connection-level failures (mysql2's and Node's socket codes). */
const UNAVAILABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);

/**
 * Whether an error says the database is stalled or unreachable (a retriable SERVICE_UNAVAILABLE
 * for the client), rather than that the statement or its data is wrong (a bug: a 500). mysql2
 * marks connection-level errors `fatal`.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = driverErrorOf(err) as (DriverError & { fatal?: boolean }) | undefined;
  if (!e) return false;
  return (
    UNAVAILABLE_MYSQL_ERRNO.has(Number(e.errno)) ||
    UNAVAILABLE_CODES.has(String(e.code)) ||
    e.fatal === true ||
    /^Pool is closed/.test(String((e as { message?: string }).message))
  );
}

/** The client's retriable SERVICE_UNAVAILABLE for an error of a database not answering in time; any other error as it is. */
export function unavailableOr(err: unknown): unknown {
  return isDatabaseUnavailable(err) && !(err instanceof ServiceUnavailableError) ? new ServiceUnavailableError(undefined, err) : err;
}
