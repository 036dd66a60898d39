import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { sqlCounter } from './db/dialect';

/** Distinct operation names kept as label values; past them, `other` (names are client-chosen). */
const MAX_OPERATION_LABELS = 200;

/** What one request did, filled in as it goes (route, GraphQL operation, error codes). */
export interface RequestRecord {
  /** `graphql`, `reports`, `health`, `metrics`, `other`. */
  route: string;
  /** The GraphQL operation name, when there is one. */
  operation: string | null;
  /** Codes of the errors the response carries (empty: none). */
  errorCodes: string[];
  /** query, mutation or subscription, once Apollo has resolved the operation (the response cache keeps queries only). */
  operationType?: 'query' | 'mutation' | 'subscription';
}

interface MysqlPoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

let processMetrics: Registry | null = null;

/**
 * The process's default metrics (memory, CPU, event-loop lag, GC), collected once per process
 * whatever the number of hubs (each collector starts its own monitors).
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/**
 * The hub's Prometheus metrics (prom-client), in a registry of its own per hub (tests run several
 * hubs in one process): requests by route, operation and outcome, their latency, errors by code,
 * offers ingested by outcome, SQL statements and the MariaDB pool's connections; served with the
 * process's default metrics.
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();
  private readonly requests: Counter<'route' | 'operation' | 'outcome'>;
  private readonly duration: Histogram<'route' | 'operation'>;
  private readonly errors: Counter<'code'>;
  private readonly ingested: Counter<'outcome'>;

  constructor(dataSource: DataSource) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'passerelle_http_requests_total',
      help: 'HTTP requests by route, GraphQL operation name and outcome (ok, or the first error code).',
      labelNames: ['route', 'operation', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'passerelle_http_request_duration_seconds',
      help: 'HTTP request latency, from the request line to the last byte of the response.',
      labelNames: ['route', 'operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'passerelle_errors_total',
      help: 'Errors returned to clients, by code.',
      labelNames: ['code'],
      registers,
    });
    this.ingested = new Counter({
      name: 'passerelle_offers_ingested_total',
      help: 'Offers received by upsertOffers, by outcome (created, updated, unchanged, rejected).',
      labelNames: ['outcome'],
      registers,
    });
    new Counter({
      name: 'passerelle_sql_statements_total',
      help: 'SQL statements sent to the database.',
      registers,
      collect() {
        this.reset();
        this.inc(sqlCounter(dataSource).count);
      },
    });
    const pool = (dataSource.driver as unknown as { pool?: MysqlPoolInternals }).pool;
    if (pool && pool._allConnections && pool._freeConnections) {
      new Gauge({
        name: 'passerelle_db_pool_connections',
        help: 'MariaDB pool connections: open, idle, and requests waiting for one.',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'open' }, pool._allConnections?.length ?? 0);
          this.set({ state: 'idle' }, pool._freeConnections?.length ?? 0);
          this.set({ state: 'waiting' }, pool._connectionQueue?.length ?? 0);
        },
      });
    }
  }

  /** The Prometheus text of the process's metrics and this hub's. */
  async text(): Promise<string> {
    return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
  }

  /** Records a finished request. */
  recordRequest(record: RequestRecord, seconds: number, status: number): void {
    const operation = this.operationLabel(record.operation);
    const outcome = record.errorCodes[0] ?? (status >= 400 ? `HTTP_${status}` : 'ok');
    this.requests.inc({ route: record.route, operation, outcome });
    this.duration.observe({ route: record.route, operation }, seconds);
    for (const code of record.errorCodes) this.errors.inc({ code });
  }

  /** Records one upsertOffers call's outcome. */
  recordIngest(counts: { created: number; updated: number; unchanged: number; rejected: number }): void {
    for (const outcome of ['created', 'updated', 'unchanged', 'rejected'] as const)
      if (counts[outcome]) this.ingested.inc({ outcome }, counts[outcome]);
  }

  private operationLabel(name: string | null): string {
    if (!name) return '-';
    if (this.operations.has(name)) return name;
    if (!/^\w{1,64}$/.test(name) || this.operations.size >= MAX_OPERATION_LABELS) return 'other';
    this.operations.add(name);
    return name;
  }
}
