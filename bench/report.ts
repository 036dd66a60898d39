import type { LoadResult } from './load';
import { HUB_A_CPU_MICROS, type ScenarioId } from './scenarios';
import type { PushStats } from './pusher';
import type { Verification } from './verify';

/** Figures of one scenario: the measured window, the checks before it, what the hub logged during it. */
export interface ScenarioResult {
  id: ScenarioId;
  label: string;
  target: string;
  distinctBodies: number;
  load: LoadResult;
  /** SQL statements over the measured window divided by the requests it completed (null: reference). */
  sqlPerRequest: number | null;
  /**
   * CPU (utime + stime from /proc, 10 ms ticks) over the measured window ÷ requests completed: of the
   * server loaded (the hub, or the reference) and of mariadbd. MariaDB serves other databases on a
   * shared machine: its figure is an upper bound (the reference's row shows what it spends meanwhile
   * with nothing of this benchmark to do).
   */
  cpu: { serverMicrosPerRequest: number | null; mariadbMicrosPerRequest: number | null };
  /** sendOnce scenarios: requests that repeated a body (the list ran out); 0 when each was new. */
  repeatedBodies?: number;
  /** What the measured window's bodies were (Scenario.describeWindow). */
  windowBodies?: string;
  verification: Verification;
  /** Waits for the statements of abandoned requests: before the checks, and between warm-up and window. */
  drained: { beforeVerification: { seconds: number; killed: number }; afterWarmup: { seconds: number; killed: number } };
  /** Hub log lines during warm-up and measure: `[sql slow ...]` warnings, and errors. */
  slowQueryLines: string[];
  errorLines: string[];
  /** The partner's pushes during the measured window, for a scenario with writes. */
  pushes?: PushStats;
  /** (bw): the pushes' own cost, measured before the window with no read load. */
  pushesAlone?: { seconds: number; hubCpuMsPerSecond: number; mariadbCpuMsPerSecond: number | null };
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  mariadb: string;
  /** InnoDB buffer pool in MiB: with the default 128 MiB the 1M-offer working set (~3 GB) is read from disk cache. */
  bufferPoolMiB: number;
  /** 1-minute load average before the first and after the last scenario: other work skews the figures. */
  loadAverage: { start: number; end: number };
}

export interface BenchReport {
  date: string;
  machine: Machine;
  settings: { connections: number; warmupSeconds: number; measuredSeconds: number; timeoutSeconds: number; databaseUrl: string };
  /** The code measured: HEAD and the hub files changed on top of it when the run started. */
  code: { commit: string; uncommitted: string[] };
  database: {
    offers: number;
    publicOffers: number;
    seedSeconds: number | null;
    analyzeSeconds: number;
    fixturesSeconds: number;
    warmSeconds: number;
  };
  fixtures: { departmentCodes: string[]; contractTypes: string[]; keywords: string[]; deepCursor: string };
  results: ScenarioResult[];
  ratios: { hubAOverReference: number | null; hubACachedOverReference: number | null; d0OverD: number | null; bwOverB: number | null };
  verdicts: Partial<Record<ScenarioId, boolean | null>>;
  /** False when a response was a non-2xx, a socket error or carried a GraphQL error: the figures are not valid. */
  valid: boolean;
  problems: string[];
  /** Facts worth reading next to the figures (timeouts, slow statements, hub errors). */
  notes: string[];
}

/** Share of a window's requests abandoned after the timeout: they are slower than any percentile they outnumber. */
function timeoutShare(load: LoadResult): number {
  const total = load.completed + load.timeouts;
  return total === 0 ? 1 : load.timeouts / total;
}

/** The q-quantile latency in ms, or Infinity when more than 1 - q of the requests timed out. */
export function effectiveLatency(load: LoadResult, q: 0.5 | 0.99): number {
  if (timeoutShare(load) > 1 - q) return Infinity;
  return q === 0.5 ? load.p50 : load.p99;
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  if (numerator === undefined || denominator === undefined) return null;
  return denominator === 0 ? Infinity : numerator / denominator;
}

/** Judges each scenario against its target (issue 18); null where there is none (d0, reference). */
export function judge(results: ScenarioResult[]): { ratios: BenchReport['ratios']; verdicts: BenchReport['verdicts'] } {
  const by = (id: ScenarioId) => results.find((r) => r.id === id)?.load;
  const [a, ac, b, bw, c, c0, d0, d, ref] = (['a', 'ac', 'b', 'bw', 'c', 'c0', 'd0', 'd', 'reference'] as const).map(by);
  const hubAOverReference = ratio(a?.requestsPerSecond, ref?.requestsPerSecond);
  const hubACachedOverReference = ratio(ac?.requestsPerSecond, ref?.requestsPerSecond);
  const d0OverD = ratio(d0?.requestsPerSecond, d?.requestsPerSecond);
  const bwOverB = ratio(bw?.requestsPerSecond, b?.requestsPerSecond);
  const aCpu = results.find((r) => r.id === 'a')?.cpu.serverMicrosPerRequest ?? null;
  return {
    ratios: { hubAOverReference, hubACachedOverReference, d0OverD, bwOverB },
    verdicts: {
      a:
        a && hubAOverReference !== null
          ? hubAOverReference >= 1.5 && effectiveLatency(a, 0.99) <= 15 && (aCpu === null || aCpu <= HUB_A_CPU_MICROS)
          : null,
      ac: ac && hubACachedOverReference !== null ? hubACachedOverReference >= 4 : null,
      b: b ? effectiveLatency(b, 0.99) <= 30 : null,
      bw: bwOverB !== null ? bwOverB >= 0.8 : null,
      c: c ? effectiveLatency(c, 0.99) <= 30 : null,
      c0: c0 ? effectiveLatency(c0, 0.99) <= 100 : null,
      d0: null,
      d: d0OverD !== null ? d0OverD <= 1.2 : null,
      reference: null,
    },
  };
}

/** Problems that make the figures meaningless: the server answered something else than results. */
export function problemsOf(results: ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const { non2xx, errors, graphqlErrors, firstGraphqlError, statusCodes, firstNon2xxBody } = r.load;
    if (graphqlErrors) problems.push(`${r.label}: ${graphqlErrors} responses with GraphQL errors under load, e.g. ${firstGraphqlError}`);
    if (non2xx)
      problems.push(`${r.label}: ${non2xx} non-2xx responses under load (${JSON.stringify(statusCodes)}), e.g. ${firstNon2xxBody}`);
    if (errors) problems.push(`${r.label}: ${errors} socket errors under load`);
  }
  return problems;
}

/** Timeouts, slow statements and hub errors: not invalidating, but part of the result. */
export function notesOf(results: ScenarioResult[], timeoutSeconds: number): string[] {
  const notes: string[] = [];
  for (const r of results) {
    if (r.load.timeouts)
      notes.push(`${r.label}: ${r.load.timeouts} requests unanswered after ${timeoutSeconds} s (abandoned; not in the percentiles)`);
    if (r.slowQueryLines.length) notes.push(`${r.label}: the hub logged ${r.slowQueryLines.length} statements slower than 2 s`);
    if (r.errorLines.length)
      notes.push(`${r.label}: the hub logged ${r.errorLines.length} error lines, e.g. ${r.errorLines[0].slice(0, 200)}`);
    if (r.repeatedBodies)
      notes.push(`${r.label}: ${r.repeatedBodies} requests repeated a query already sent (the list ran out): not all were new to the hub`);
  }
  return notes;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const fmtRate = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const verdictText = (v: boolean | null | undefined) => (v === true ? 'yes' : v === false ? '**no**' : '—');
const fmtRatio = (r: number | null, suffix = '') => (r === null ? '—' : Number.isFinite(r) ? r.toFixed(2) + suffix : '∞');
const fmtMicros = (n: number | null) => (n === null ? '—' : n.toFixed(0));

function latencyCell(load: LoadResult, q: 0.5 | 0.99, timeoutSeconds: number): string {
  return Number.isFinite(effectiveLatency(load, q)) ? String(q === 0.5 ? load.p50 : load.p99) : `> ${timeoutSeconds * 1000}`;
}

function uncommittedText(files: string[]): string {
  if (files.length === 0) return '';
  if (files.length <= 4) return ` plus uncommitted changes to ${files.join(', ')}`;
  return ` plus uncommitted changes to ${files.length} files (listed in latest.json)`;
}

/** The markdown table and its footnotes, as pasted into the README. */
export function toMarkdown(report: BenchReport): string {
  const { machine, settings, database, ratios, code } = report;
  const timeout = settings.timeoutSeconds;
  const lines = [
    '| Scenario | req/s | × ref | p50 ms | p99 ms | alone ms | SQL/req | server CPU µs/req | MariaDB CPU µs/req | non-2xx | errors | Target | Met? |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...report.results.map((r) => {
      const checkedSql = r.verification.sqlStatements;
      const sql = r.sqlPerRequest !== null ? r.sqlPerRequest.toFixed(2) : checkedSql ? `${median(checkedSql)} (alone)` : '—';
      const errors = r.load.errors + r.load.graphqlErrors + r.load.timeouts;
      const errorCell = r.load.timeouts ? `${errors} (${r.load.timeouts} timeouts)` : String(errors);
      const reference = report.results.find((x) => x.id === 'reference')?.load.requestsPerSecond;
      return (
        `| ${r.label} | ${fmtRate(r.load.requestsPerSecond)} | ${fmtRatio(ratio(r.load.requestsPerSecond, reference))} | ` +
        `${latencyCell(r.load, 0.5, timeout)} | ${latencyCell(r.load, 0.99, timeout)} | ` +
        `${median(r.verification.milliseconds)} | ${sql} | ${fmtMicros(r.cpu.serverMicrosPerRequest)} | ${fmtMicros(r.cpu.mariadbMicrosPerRequest)} | ` +
        `${r.load.non2xx} | ${errorCell} | ${r.target} | ${verdictText(report.verdicts[r.id])} |`
      );
    }),
    '',
    `hub (a) / reference: ${fmtRatio(ratios.hubAOverReference, '×')} req/s; (a, cached) / reference: ${fmtRatio(ratios.hubACachedOverReference, '×')}; d0 / d: ${fmtRatio(ratios.d0OverD)}; (bw) / (b): ${fmtRatio(ratios.bwOverB)}.`,
    'Server CPU: the hub (the reference on its row), MariaDB CPU: mariadbd, both from /proc over the measured window ÷ requests completed; ' +
      "mariadbd also serves other databases on this machine (the reference's row: what it spends with none of this benchmark's work).",
    ...report.results
      .filter((r) => r.repeatedBodies !== undefined)
      .map(
        (r) =>
          `(${r.id}) ${r.repeatedBodies ? `${r.repeatedBodies} requests repeated an earlier query` : 'every request a query not sent before'} (${r.distinctBodies.toLocaleString('en')} available)${r.windowBodies ? `; ${r.windowBodies}` : ''}.`,
      ),
    ...report.results
      .filter((r) => r.pushes)
      .map(
        ({ id, pushes: p, pushesAlone: alone }) =>
          `(${id}) pushes during the window: ${p!.pushes} of ${p!.offersPerPush} offers (${p!.written} written), ${p!.meanMs} ms on average, ${p!.maxMs} ms at most, ${p!.failures} failed${p!.firstFailure ? ` (${p!.firstFailure})` : ''}.` +
          (alone
            ? ` Alone (${alone.seconds} s before the window, no reads, the first pushes left out) they cost the hub ${alone.hubCpuMsPerSecond} ms of CPU a second and MariaDB ${alone.mariadbCpuMsPerSecond ?? '—'}.`
            : ''),
      ),
    '',
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, Node ${machine.node}, MariaDB ${machine.mariadb} ` +
      `(InnoDB buffer pool ${machine.bufferPoolMiB} MiB); ` +
      `load generator, hub and database on the same machine (1-min load average ${machine.loadAverage.start.toFixed(1)} before, ` +
      `${machine.loadAverage.end.toFixed(1)} after). Date: ${report.date}.`,
    `Load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up (discarded) then ${settings.measuredSeconds} s measured ` +
      `per scenario, requests abandoned after ${timeout} s; ${database.offers.toLocaleString('en')} offers, ${database.publicOffers.toLocaleString('en')} public; ` +
      `tables and indexes read into the buffer pool before measuring (${database.warmSeconds.toFixed(0)} s).`,
    `Code: ${code.commit.slice(0, 7)}${uncommittedText(code.uncommitted)}.`,
  ];
  if (!report.valid) lines.unshift('> **Invalid run**: errors under load (see latest.json, `problems`).', '');
  return lines.join('\n') + '\n';
}
