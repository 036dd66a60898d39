import { execFileSync } from 'node:child_process';

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
  const mysql = (sql: string) => execFileSync('mysql', ['-h127.0.0.1', '-uroot', '-N', '-e', sql]).toString().trim();
  if (Number(mysql('SELECT @@innodb_buffer_pool_size')) < bytes) mysql(`SET GLOBAL innodb_buffer_pool_size = ${bytes}`);
  return Number(mysql('SELECT @@innodb_buffer_pool_size'));
}
