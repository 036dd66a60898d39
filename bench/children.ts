import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Hub log lines worth reporting: slow statements and errors. */
const SLOW_QUERY = /\[sql slow (\d+) ms\]/;
const ERROR_LINE = /^\[(error|sql error|http)\]|failed/i;

/** A server the benchmark started (hub or reference), with what its log said so far. */
export interface Child {
  name: string;
  process: ChildProcess;
  slowQueries: string[];
  errorLines: string[];
  /** Last lines of output, shown when it fails to start. */
  tail: string[];
  stop(): Promise<void>;
}

const children = new Set<Child>();

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node -r @swc-node/register <script>` with extra env, its output copied to logFile;
 * `preloads` (TypeScript files of the project, e.g. bench/hub-probe.ts) are required after the
 * TypeScript loader, before the script.
 */
export function startChild(name: string, script: string, env: Record<string, string>, logFile: string, preloads: string[] = []): Child {
  const log = fs.createWriteStream(logFile);
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the servers a benchmark
  // starts: Node refuses --cpu-prof in NODE_OPTIONS.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', ...preloads.flatMap((p) => ['-r', p]), script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = {
    name,
    process: proc,
    slowQueries: [],
    errorLines: [],
    tail: [],
    stop: () =>
      stopProcess(proc).finally(() => {
        children.delete(child);
        log.end();
      }),
  };
  const onLine = (line: string) => {
    if (SLOW_QUERY.test(line)) child.slowQueries.push(line);
    else if (ERROR_LINE.test(line)) child.errorLines.push(line);
    child.tail.push(line);
    if (child.tail.length > 40) child.tail.shift();
  };
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop()!;
      lines.forEach(onLine);
    });
  }
  children.add(child);
  return child;
}

/** SIGTERM, then SIGKILL if the process is still there 5 s later. */
function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** Stops every child still running (finally blocks and SIGINT). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
}

/** Polls `probe` until it answers true; fails if the child exits or `timeoutMs` passes. */
export async function waitUntilReady(child: Child, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`${child.name} exited with code ${child.process.exitCode} while starting:\n${child.tail.join('\n')}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s:\n${child.tail.join('\n')}`);
}
