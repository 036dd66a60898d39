import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startLoopProbe, type GcPause, type LoopSummary, type Stall } from './loop-probe';

/**
 * Preloaded into a hub child by a benchmark (`-r ./bench/hub-probe.ts`, after @swc-node/register)
 * when BENCH_HUB_PROBE_FILE is set; nothing in src/ knows of it. It
 *  - times each HTTP request from Node's `request` event to `writeHead` and sends the time as
 *    `x-bench-hub-ms` (what the hub itself spent, against what the client measured), and
 *  - watches the hub's event loop (stalls over 5 ms, GC pauses, the delay histogram: loop-probe.ts),
 *    appending them to BENCH_HUB_PROBE_FILE as JSON lines every second, with the summary at
 *    exit of what followed the last SIGUSR2 (the benchmark's start: the hub's own start-up and
 *    the seeding are left out).
 */
export const HUB_MS_HEADER = 'x-bench-hub-ms';

export type HubProbeLine = ({ type: 'stall' } & Stall) | ({ type: 'gc' } & GcPause) | ({ type: 'summary' } & LoopSummary);

const file = process.env.BENCH_HUB_PROBE_FILE;
if (file) {
  fs.writeFileSync(file, '');
  const probe = startLoopProbe();
  let stallsWritten = 0;
  let gcsWritten = 0;
  const pending = (): string => {
    const lines = [
      ...probe.stalls.slice(stallsWritten).map((s) => JSON.stringify({ type: 'stall', ...s })),
      ...probe.gcs.slice(gcsWritten).map((g) => JSON.stringify({ type: 'gc', ...g })),
    ];
    stallsWritten = probe.stalls.length;
    gcsWritten = probe.gcs.length;
    return lines.length ? lines.join('\n') + '\n' : '';
  };
  setInterval(() => {
    const text = pending();
    if (text) fs.appendFile(file, text, () => {});
  }, 1_000).unref();
  process.on('SIGUSR2', () => probe.reset());
  process.once('exit', () => {
    fs.appendFileSync(file, pending() + JSON.stringify({ type: 'summary', ...probe.summary() }) + '\n');
  });

  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request' || event === 'checkContinue') {
      const res = args[1] as http.ServerResponse;
      const started = performance.now();
      const writeHead = res.writeHead;
      res.writeHead = function (this: http.ServerResponse, ...headArgs: unknown[]) {
        if (!this.headersSent) this.setHeader(HUB_MS_HEADER, (performance.now() - started).toFixed(2));
        return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, headArgs);
      } as typeof writeHead;
    }
    return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
}

/** Reads what a hub's probe wrote. */
export function readHubProbe(path: string): { stalls: Stall[]; gcs: GcPause[]; summary: LoopSummary | null } {
  const stalls: Stall[] = [];
  const gcs: GcPause[] = [];
  let summary: LoopSummary | null = null;
  for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const { type, ...rest } = JSON.parse(line) as HubProbeLine;
    if (type === 'stall') stalls.push(rest as Stall);
    else if (type === 'gc') gcs.push(rest as GcPause);
    else summary = rest as LoopSummary;
  }
  return { stalls, gcs, summary };
}
