import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

/** One MariaDB server of the test topology, in a temporary data directory. */
export interface TestServer {
  port: number;
  /** Starts it (again, after stop): same data directory, same port. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, waits for the process to exit). */
  stop(): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface ReplicationTopology {
  primary: TestServer;
  replica: TestServer;
  /** Stops both servers and removes their data directories. */
  destroy(): Promise<void>;
}

const INSTALL_DB = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find((p) => fs.existsSync(p));
const MARIADBD = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => fs.existsSync(p));

/** Why a primary + replica cannot be started here, or null when they can. */
export function replicationUnavailable(): string | null {
  if (!INSTALL_DB || !MARIADBD) return 'mariadb-install-db or mariadbd is not installed (apt-get install mariadb-server)';
  return null;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function server(dir: string, port: number, serverId: number, extraArgs: string[]): TestServer {
  const dataDir = path.join(dir, `data-${port}`);
  let child: ChildProcess | null = null;
  const install = spawnSync(
    INSTALL_DB!,
    ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed for port ${port}: ${install.stderr || install.stdout}`);
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', connectTimeout: 2000 });
  return {
    port,
    async start() {
      const log = fs.openSync(path.join(dir, `server-${port}.log`), 'a');
      child = spawn(
        MARIADBD!,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${path.join(dir, `mysqld-${port}.sock`)}`,
          `--pid-file=${path.join(dir, `mysqld-${port}.pid`)}`,
          '--user=root',
          `--server-id=${serverId}`,
          '--innodb-buffer-pool-size=32M',
          ...extraArgs,
        ],
        { stdio: ['ignore', log, log] },
      );
      await waitUntil(
        async () => {
          const conn = await connect();
          await conn.end();
          return true;
        },
        `MariaDB on port ${port} (log: ${path.join(dir, `server-${port}.log`)})`,
      );
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const conn = await connect();
      try {
        const [rows] = await conn.query(sql, params);
        return rows as T[];
      } finally {
        await conn.end();
      }
    },
  };
}

/**
 * A real MariaDB primary (binary log, server_id 1) and replica (server_id 2) on ports 3307 and 3308
 * (or the given ones), in temporary directories, replicating with GTIDs. For the read-replica tests;
 * destroy() stops both and removes everything.
 */
export async function startReplication(
  ports: { primary: number; replica: number } = { primary: 3307, replica: 3308 },
): Promise<ReplicationTopology> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-replication-'));
  const primary = server(dir, ports.primary, 1, [`--log-bin=${path.join(dir, 'binlog')}`, '--binlog-format=ROW']);
  const replica = server(dir, ports.replica, 2, []);
  const destroy = async () => {
    await Promise.all([replica.stop(), primary.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([primary.start(), replica.start()]);
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${ports.primary}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await replica.query('START SLAVE');
    await waitUntil(async () => {
      const [status] = await replica.query<{ Slave_IO_Running: string; Slave_SQL_Running: string }>('SHOW SLAVE STATUS');
      return status?.Slave_IO_Running === 'Yes' && status?.Slave_SQL_Running === 'Yes';
    }, 'the replica to connect to the primary');
  } catch (err) {
    await destroy();
    throw err;
  }
  return { primary, replica, destroy };
}

/** Waits until the replica has applied everything the primary has written so far. */
export async function waitForReplica(topology: ReplicationTopology): Promise<void> {
  const [{ pos }] = await topology.primary.query<{ pos: string }>('SELECT @@gtid_binlog_pos AS pos');
  const [{ done }] = await topology.replica.query<{ done: number }>('SELECT MASTER_GTID_WAIT(?, 30) AS done', [pos]);
  if (Number(done) !== 0) throw new Error(`The replica did not reach ${pos} within 30 s`);
}
