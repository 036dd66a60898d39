import fs from 'node:fs';

/** Kernel clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = 100;

/** utime + stime of a process (all its threads), in microseconds; 10 ms resolution. */
export function cpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** The MariaDB (or MySQL) server process on this machine, or null when /proc shows none (another host, container). */
export function mariadbPid(): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** CPU of the server under load and of MariaDB, sampled around a measured window. */
export interface CpuSample {
  server: number;
  mariadb: number | null;
}

export function sampleCpu(serverPid: number, mariadb: number | null): CpuSample {
  return { server: cpuMicros(serverPid), mariadb: mariadb === null ? null : cpuMicros(mariadb) };
}

/** µs of CPU per completed request between two samples (null when nothing completed or no MariaDB). */
export function cpuPerRequest(
  before: CpuSample,
  after: CpuSample,
  completed: number,
): { serverMicrosPerRequest: number | null; mariadbMicrosPerRequest: number | null } {
  if (completed <= 0) return { serverMicrosPerRequest: null, mariadbMicrosPerRequest: null };
  return {
    serverMicrosPerRequest: (after.server - before.server) / completed,
    mariadbMicrosPerRequest: before.mariadb === null || after.mariadb === null ? null : (after.mariadb - before.mariadb) / completed,
  };
}
