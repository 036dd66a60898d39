import type { LoadResult } from './load';
import type { ScenarioId } from './scenarios';
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
  verification: Verification;
  /** Hub log lines during warm-up and measure: `[sql slow ...]` warnings, and errors. */
  slowQueryLines: string[];
  errorLines: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  mariadb: string;
}

export interface BenchReport {
  date: string;
  machine: Machine;
  settings: { connections: number; warmupSeconds: number; measuredSeconds: number; databaseUrl: string };
  /** The code measured: HEAD and the hub files changed on top of it when the run started. */
  code: { commit: string; uncommitted: string[] };
  database: { offers: number; publicOffers: number; seedSeconds: number | null; analyzeSeconds: number };
  fixtures: {
    departmentCodes: string[];
    contractTypes: string[];
    keywords: string[];
    keywordMatches: Record<string, number>;
    deepCursor: string;
  };
  results: ScenarioResult[];
  ratios: { hubAOverReference: number | null; d0OverD: number | null };
  verdicts: Partial<Record<ScenarioId, boolean | null>>;
  /** False when a response carried a GraphQL error or a non-2xx under load: the figures are not valid. */
  valid: boolean;
  problems: string[];
}

/** Judges each scenario against its target; null where there is none (d0, reference). */
export function judge(results: ScenarioResult[]): { ratios: BenchReport['ratios']; verdicts: BenchReport['verdicts'] } {
  const by = (id: ScenarioId) => results.find((r) => r.id === id)?.load;
  const [a, b, c, d0, d, ref] = (['a', 'b', 'c', 'd0', 'd', 'reference'] as const).map(by);
  const hubAOverReference = a && ref ? a.requestsPerSecond / ref.requestsPerSecond : null;
  const d0OverD = d0 && d ? d0.requestsPerSecond / d.requestsPerSecond : null;
  return {
    ratios: { hubAOverReference, d0OverD },
    verdicts: {
      a: a && hubAOverReference !== null ? hubAOverReference >= 1.5 && a.p99 <= 15 : null,
      b: b ? b.p99 <= 50 : null,
      c: c ? c.p99 <= 50 : null,
      d0: null,
      d: d0OverD !== null ? d0OverD <= 1.2 : null,
      reference: null,
    },
  };
}

/** Problems that make the figures meaningless (errors under load). */
export function problemsOf(results: ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const { non2xx, errors, graphqlErrors, firstGraphqlError } = r.load;
    if (graphqlErrors) problems.push(`${r.label}: ${graphqlErrors} responses with GraphQL errors under load, e.g. ${firstGraphqlError}`);
    if (non2xx) problems.push(`${r.label}: ${non2xx} non-2xx responses under load`);
    if (errors) problems.push(`${r.label}: ${errors} socket errors or timeouts under load`);
  }
  return problems;
}

const fmtRate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const fmtMs = (n: number) => String(n);
const verdictText = (v: boolean | null | undefined) => (v === true ? 'yes' : v === false ? '**no**' : '—');

/** The markdown table and its footnotes, as pasted into the README. */
export function toMarkdown(report: BenchReport): string {
  const { machine, settings, database, ratios, code } = report;
  const lines = [
    '| Scenario | req/s | p50 ms | p99 ms | SQL/req | non-2xx / errors | Target | Met? |',
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...report.results.map((r) => {
      const sql = r.sqlPerRequest === null ? '—' : r.sqlPerRequest.toFixed(2);
      const failures = `${r.load.non2xx} / ${r.load.errors + r.load.graphqlErrors}`;
      return `| ${r.label} | ${fmtRate(r.load.requestsPerSecond)} | ${fmtMs(r.load.p50)} | ${fmtMs(r.load.p99)} | ${sql} | ${failures} | ${r.target} | ${verdictText(report.verdicts[r.id])} |`;
    }),
    '',
    `hub (a) / reference: ${ratios.hubAOverReference === null ? '—' : ratios.hubAOverReference.toFixed(2) + '×'} req/s; ` +
      `d0 / d: ${ratios.d0OverD === null ? '—' : ratios.d0OverD.toFixed(2)}.`,
    '',
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, Node ${machine.node}, MariaDB ${machine.mariadb}; ` +
      `load generator, hub and database on the same machine. Date: ${report.date}.`,
    `Load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up (discarded) then ${settings.measuredSeconds} s measured per scenario; ` +
      `${database.offers.toLocaleString('en')} offers, ${database.publicOffers.toLocaleString('en')} public.`,
    `Code: ${code.commit.slice(0, 7)}${code.uncommitted.length ? ` plus uncommitted changes to ${code.uncommitted.join(', ')}` : ''}.`,
  ];
  if (!report.valid) lines.unshift('> **Invalid run**: errors under load (see latest.json, `problems`).', '');
  return lines.join('\n') + '\n';
}
