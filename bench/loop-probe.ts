import fs from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

/** A stretch of wall-clock time (ms since the epoch) when this process's event loop ran nothing else. */
export interface Stall {
  /** When the stall ended (Date.now()). */
  endAt: number;
  ms: number;
  /**
   * Of the stretch between the two ticks (the stall and the tick's 5 ms): how long the watched thread
   * ran on a CPU, and how long it waited for one, runnable, while the OS ran other threads
   * (Linux's schedstat; absent elsewhere). Waiting is the machine, running is this process's work.
   */
  cpuMs?: number;
  runQueueMs?: number;
}

/** A V8 garbage collection (ms since the epoch), with its kind (major, minor, incremental, weakcb). */
export interface GcPause {
  startAt: number;
  ms: number;
  kind: string;
}

/** The whole run's event-loop delay (monitorEventLoopDelay) and GC totals. */
export interface LoopSummary {
  /** Of the watched thread's time since the start: on a CPU, and runnable but waiting for one (Linux). */
  threadCpuPercent?: number;
  threadRunQueuePercent?: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  stallsOver20Ms: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  gcOver20Ms: number;
  /** GC pauses over 20 ms by kind (minor: scavenge; major: mark-compact; incremental: marking steps). */
  gcOver20MsByKind: Record<string, number>;
}

export interface LoopProbe {
  stalls: Stall[];
  gcs: GcPause[];
  summary(): LoopSummary;
  /** Starts the summary's counts and histogram afresh (the stalls and pauses kept stay). */
  reset(): void;
  stop(): void;
}

/** The tick of the timeline timer: a tick this much later than due means the loop was held. */
const TICK_MS = 5;
/** monitorEventLoopDelay's timer: it records whole intervals, this much of each is the timer's own. */
const HISTOGRAM_RESOLUTION_MS = 10;
/** Stalls and GC pauses shorter than this are counted in the totals but not kept one by one. */
const KEEP_OVER_MS = 5;

/**
 * The calling thread's time on a CPU and waiting on a run queue, in ms (Linux; null elsewhere):
 * a synchronous read runs on the calling thread, main or worker, and /proc/thread-self is it.
 */
function schedstat(): { cpuMs: number; runQueueMs: number } | null {
  try {
    const [run, wait] = fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { cpuMs: run / 1e6, runQueueMs: wait / 1e6 };
  } catch {
    return null;
  }
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/**
 * Watches this process's event loop for a benchmark: a timer due every 5 ms records each stretch
 * it was held back by more than 5 ms (when, how long: the loop ran one long piece of work, or a
 * GC paused it, or the OS gave the CPU to another process), V8's GC pauses with their kind, and
 * monitorEventLoopDelay's histogram for the whole run. Wall-clock times (Date.now()) so that the
 * bench process and the hub child can be put side by side.
 */
export function startLoopProbe(): LoopProbe {
  const stalls: Stall[] = [];
  const gcs: GcPause[] = [];
  const histogram = monitorEventLoopDelay({ resolution: HISTOGRAM_RESOLUTION_MS });
  histogram.enable();
  let stallsOver20 = 0;
  let last = performance.now();
  let lastSched = schedstat();
  let since = { at: last, sched: lastSched };
  const timer = setInterval(() => {
    const now = performance.now();
    const sched = lastSched && schedstat();
    const late = now - last - TICK_MS;
    if (late > KEEP_OVER_MS) {
      stalls.push({
        endAt: performance.timeOrigin + now,
        ms: late,
        ...(sched && lastSched ? { cpuMs: sched.cpuMs - lastSched.cpuMs, runQueueMs: sched.runQueueMs - lastSched.runQueueMs } : {}),
      });
      if (late > 20) stallsOver20++;
    }
    last = now;
    lastSched = sched;
  }, TICK_MS);
  timer.unref();
  let gcCount = 0;
  let gcTotal = 0;
  let gcMax = 0;
  let gcOver20 = 0;
  let gcOver20ByKind: Record<string, number> = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcTotal += entry.duration;
      gcMax = Math.max(gcMax, entry.duration);
      const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      if (entry.duration > 20) {
        gcOver20++;
        gcOver20ByKind[kind] = (gcOver20ByKind[kind] ?? 0) + 1;
      }
      if (entry.duration > KEEP_OVER_MS) {
        gcs.push({ startAt: performance.timeOrigin + entry.startTime, ms: entry.duration, kind });
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const delay = (ns: number) => Math.max(0, Math.round((ns / 1e6 - HISTOGRAM_RESOLUTION_MS) * 10) / 10);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    stalls,
    gcs,
    summary: () => {
      const sched = schedstat();
      const wall = performance.now() - since.at;
      const share = (ms: number) => Math.round((ms / wall) * 1000) / 10;
      return {
        ...(sched && since.sched
          ? {
              threadCpuPercent: share(sched.cpuMs - since.sched.cpuMs),
              threadRunQueuePercent: share(sched.runQueueMs - since.sched.runQueueMs),
            }
          : {}),
        delayP50Ms: delay(histogram.percentile(50)),
        delayP99Ms: delay(histogram.percentile(99)),
        delayMaxMs: delay(histogram.max),
        stallsOver20Ms: stallsOver20,
        gcCount,
        gcTotalMs: Math.round(gcTotal),
        gcMaxMs: round(gcMax),
        gcOver20Ms: gcOver20,
        gcOver20MsByKind: { ...gcOver20ByKind },
      };
    },
    reset: () => {
      since = { at: performance.now(), sched: schedstat() };
      histogram.reset();
      stallsOver20 = 0;
      gcCount = gcTotal = gcMax = gcOver20 = 0;
      gcOver20ByKind = {};
    },
    stop: () => {
      clearInterval(timer);
      observer.disconnect();
      histogram.disable();
    },
  };
}

/**
 * The stalls and GC pauses overlapping [from, to] (ms since the epoch): the longest overlap of
 * each and their sum, with the longest stall's split between running and waiting for a CPU.
 */
export function overlapping(
  probe: { stalls: Stall[]; gcs: GcPause[] },
  from: number,
  to: number,
): {
  stallMaxMs: number;
  stallSumMs: number;
  /** The longest overlapping stall's whole interval between ticks: on a CPU, and waiting for one. */
  stallCpuMs: number | null;
  stallRunQueueMs: number | null;
  gcMaxMs: number;
  gcSumMs: number;
  gcKinds: string[];
} {
  let stallMax = 0;
  let stallSum = 0;
  let longest: Stall | null = null;
  for (const s of probe.stalls) {
    const start = s.endAt - s.ms;
    const overlap = Math.min(to, s.endAt) - Math.max(from, start);
    if (overlap > 0) {
      if (overlap > stallMax) longest = s;
      stallMax = Math.max(stallMax, overlap);
      stallSum += overlap;
    }
  }
  let gcMax = 0;
  let gcSum = 0;
  const kinds = new Set<string>();
  for (const g of probe.gcs) {
    const overlap = Math.min(to, g.startAt + g.ms) - Math.max(from, g.startAt);
    if (overlap > 0) {
      gcMax = Math.max(gcMax, overlap);
      gcSum += overlap;
      kinds.add(g.kind);
    }
  }
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    stallMaxMs: round(stallMax),
    stallSumMs: round(stallSum),
    stallCpuMs: longest?.cpuMs !== undefined ? round(longest.cpuMs) : null,
    stallRunQueueMs: longest?.runQueueMs !== undefined ? round(longest.runQueueMs) : null,
    gcMaxMs: round(gcMax),
    gcSumMs: round(gcSum),
    gcKinds: [...kinds],
  };
}
