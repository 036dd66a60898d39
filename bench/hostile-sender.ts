import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { HUB_MS_HEADER } from './hub-probe';
import { startLoopProbe, type GcPause, type LoopSummary, type Stall } from './loop-probe';

/** One hostile request's answer, timed by the sender. */
export interface HostileAnswer {
  status: number;
  codes: string[];
  /** The hub's own time (x-bench-hub-ms), when the hub sent it. */
  hubMs: number | null;
  /** When the request was sent (ms since the epoch). */
  sentAt: number;
  ms: number;
}

/** What the sender's event loop went through (its stalls and GC pauses: loop-probe.ts), and its CPU time. */
export interface SenderLoop {
  stalls: Stall[];
  gcs: GcPause[];
  summary: LoopSummary;
  cpuMs: number;
}

type Request =
  { type: 'init'; url: string; queries: string[]; maxSockets: number } | { type: 'send'; id: number; shape: number } | { type: 'report' };
type Reply = { type: 'ready' } | ({ type: 'answer'; id: number } & HostileAnswer) | ({ type: 'report' } & SenderLoop);

/** How the child knows it is the sender. */
const ROLE_ARG = '--hostile-sender';

/**
 * Sends bench:soak's hostile requests from a process of their own, which does nothing else: their
 * time is measured there, from the write of the request to the last byte of the answer, so that
 * what the bench's process does meanwhile (the other clients' requests and answers, its GC over
 * their samples) is not counted in it. A worker thread was not enough: it still shared the bench
 * process's memory map and V8's process-wide locks, and stalled up to 110 ms neither running nor
 * waiting for a CPU. A request is asked for (and its answer awaited) by the client whose turn it
 * is, as before: the traffic's mix and concurrency do not change. The bodies are encoded once.
 */
export class HostileSender {
  private readonly pending = new Map<number, (answer: HostileAnswer) => void>();
  private nextId = 0;
  private onReport: ((loop: SenderLoop) => void) | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if (reply.type === 'report') {
        const { type: _type, ...loop } = reply;
        this.onReport?.(loop);
      } else if (reply.type === 'answer') {
        const { type: _type, id, ...answer } = reply;
        this.pending.get(id)?.(answer);
        this.pending.delete(id);
      }
    });
  }

  /** Starts the sender's process and waits until it is ready to send. */
  static async start(url: string, queries: string[], maxSockets: number): Promise<HostileSender> {
    const child = fork(__filename, [ROLE_ARG], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (reply: Reply) => reply.type === 'ready' && resolve());
      child.once('exit', (code) => reject(new Error(`the hostile sender exited with code ${code} while starting`)));
    });
    child.send({ type: 'init', url, queries, maxSockets } satisfies Request);
    await ready;
    return new HostileSender(child);
  }

  /** Sends hostile query number `shape` and resolves with its answer. */
  send(shape: number): Promise<HostileAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ type: 'send', id, shape } satisfies Request);
    });
  }

  /** The sender's loop stalls, GC pauses and CPU time so far; then stops it. */
  async close(): Promise<SenderLoop> {
    const loop = await new Promise<SenderLoop>((resolve) => {
      this.onReport = resolve;
      this.child.send({ type: 'report' } satisfies Request);
    });
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
    return loop;
  }
}

function runSender(): void {
  let probe: ReturnType<typeof startLoopProbe> | null = null;
  let agent: http.Agent;
  let url: string;
  let bodies: Buffer[] = [];
  const reply = (message: Reply) => process.send!(message);
  process.on('message', (request: Request) => {
    if (request.type === 'init') {
      url = request.url;
      bodies = request.queries.map((query) => Buffer.from(JSON.stringify({ query })));
      agent = new http.Agent({ keepAlive: true, maxSockets: request.maxSockets });
      probe = startLoopProbe();
      reply({ type: 'ready' });
      return;
    }
    if (request.type === 'report') {
      const cpu = process.cpuUsage();
      reply({ type: 'report', stalls: probe!.stalls, gcs: probe!.gcs, summary: probe!.summary(), cpuMs: (cpu.user + cpu.system) / 1000 });
      return;
    }
    const { id } = request;
    const body = bodies[request.shape];
    const t0 = performance.now();
    const sentAt = performance.timeOrigin + t0;
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
      timeout: 60_000,
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) =>
      reply({
        type: 'answer',
        id,
        status: 0,
        codes: [`CLIENT_${(err as { code?: string }).code ?? err.message}`],
        hubMs: null,
        sentAt,
        ms: performance.now() - t0,
      }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - t0; // (at the answer's last byte, before it is parsed)
        let codes: string[];
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errors?: Array<{ extensions?: { code?: unknown } }> };
          codes = (json.errors ?? []).map((e) => String(e?.extensions?.code ?? 'NONE'));
        } catch {
          codes = ['NOT_JSON'];
        }
        const hubMs = Number(res.headers[HUB_MS_HEADER]);
        reply({ type: 'answer', id, status: res.statusCode ?? 0, codes, hubMs: Number.isFinite(hubMs) ? hubMs : null, sentAt, ms });
      });
    });
    req.end(body);
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes(ROLE_ARG) && process.send) runSender();
