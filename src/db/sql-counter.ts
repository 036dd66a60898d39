import type { Logger, QueryRunner } from 'typeorm';

/**
 * TypeORM logger that counts every SQL statement the hub sends (for tests proving batching and
 * for the /metrics endpoint), and prints them when LOG_SQL is on. Errors are always logged.
 */
export class CountingLogger implements Logger {
  private statements = 0;
  constructor(private readonly printQueries: boolean) {}

  /** Statements sent since the data source started. */
  get count(): number {
    return this.statements;
  }

  logQuery(query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.statements++;
    if (this.printQueries) console.log('[sql]', query, parameters?.length ? JSON.stringify(parameters) : '');
  }

  /** For statements sent outside TypeORM's query runner (the read path's executor). */
  countStatement(query: string): void {
    this.statements++;
    if (this.printQueries) console.log('[sql]', query);
  }
  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    // The error reaches whoever sent the statement, which logs it once (a request with its id:
    // errorLogPlugin). Printed here too only with LOG_SQL.
    if (!this.printQueries) return;
    console.error('[sql error]', error instanceof Error ? error.message : error, query.slice(0, 500), parameters?.length ?? 0);
  }
  logQuerySlow(time: number, query: string): void {
    console.warn(`[sql slow ${time} ms]`, query.slice(0, 500));
  }
  logSchemaBuild(message: string): void {
    if (this.printQueries) console.log('[schema]', message);
  }
  logMigration(message: string): void {
    if (this.printQueries) console.log('[migration]', message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') console.warn('[typeorm]', message);
  }
}
