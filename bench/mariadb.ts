import { execFileSync } from 'node:child_process';

/** One statement through the mysql client on the loopback server (root): its output, trimmed. */
export const mysql = (sql: string): string => execFileSync('mysql', ['-h127.0.0.1', '-uroot', '-N', '-e', sql]).toString().trim();
const status = (name: string) => Number(mysql(`SHOW GLOBAL STATUS LIKE '${name}'`).split('\t')[1]);

/**
 * Buffer pool the benchmarks run with: the default 128 MiB cannot hold a 1M-offer working set, and
 * the benchmark database alone is ~4.5 GB on disk with its indexes and full-text index (a 4 GiB pool
 * evicted its own pages while being warmed). 8 GiB of this 24 GiB machine.
 */
export const BENCH_BUFFER_POOL_BYTES = 8 * 1024 ** 3;

/**
 * Sizes MariaDB's InnoDB buffer pool as a production server would be (SET GLOBAL: online, until the
 * server restarts), and returns the size in force. The benchmarks report it with their results.
 */
export function sizeBufferPool(bytes: number = BENCH_BUFFER_POOL_BYTES): number {
  if (Number(mysql('SELECT @@innodb_buffer_pool_size')) < bytes) mysql(`SET GLOBAL innodb_buffer_pool_size = ${bytes}`);
  return Number(mysql('SELECT @@innodb_buffer_pool_size'));
}

/**
 * Empties the buffer pool by shrinking it to 128 MiB (sizeBufferPool grows it back), and returns how
 * many of its pages were free before. MariaDB frees the pages of a dropped database lazily: after a
 * test run or earlier benchmarks (each drops and re-creates its database) the pool can be full of
 * them, and then every page a write needs waits for an eviction. Measured with bench:ingest on a
 * pool left full by CI: 3,784 new offers/s, against 6,142 on a freshly started server.
 */
export function emptyBufferPool(): number {
  const freeBefore = status('Innodb_buffer_pool_pages_free');
  const minimum = 128 * 1024 ** 2;
  if (Number(mysql('SELECT @@innodb_buffer_pool_size')) > minimum) mysql(`SET GLOBAL innodb_buffer_pool_size = ${minimum}`);
  // The resize runs in the background: wait until the pool has its new number of pages.
  const pages = minimum / Number(mysql('SELECT @@innodb_page_size'));
  const deadline = Date.now() + 300_000;
  while (status('Innodb_buffer_pool_pages_total') > pages) {
    if (Date.now() > deadline) throw new Error('the buffer pool took more than 5 minutes to shrink');
    execFileSync('sleep', ['0.5']);
  }
  return freeBefore;
}

/**
 * Redo log the benchmarks run with: MariaDB's default 96 MiB fills within seconds of a bulk load
 * (the keyword index's ~30 million rows), and InnoDB then throttles every write until pages are
 * flushed: the term rows of the 1M-offer seed went in at ~14,000 rows/s with it and ~150,000 rows/s
 * with 1 GiB (2026-12-05). 1 GiB, as a production server would have (SET GLOBAL: online on
 * MariaDB 10.11, until the server restarts). Returns the size in force.
 */
export const BENCH_REDO_LOG_BYTES = 1024 ** 3;

export function sizeRedoLog(bytes: number = BENCH_REDO_LOG_BYTES): number {
  if (Number(mysql('SELECT @@innodb_log_file_size')) < bytes) mysql(`SET GLOBAL innodb_log_file_size = ${bytes}`);
  return Number(mysql('SELECT @@innodb_log_file_size'));
}
