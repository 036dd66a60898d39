import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where the request path's reads go when the database has read replicas. Each GraphQL request runs
 * in a scope: a query's reads go to a replica, unless its caller wrote within the read-your-writes
 * window; once a request turns out to be a mutation, all its reads go to the primary. Work outside
 * any request (timers, the keyword indexer, the CLI) reads from the primary: only request-path
 * reads, which tolerate a replica's lag, are sent to replicas.
 */
export interface ReadScope {
  replicaAllowed: boolean;
}

const storage = new AsyncLocalStorage<ReadScope>();

/** Runs `work` (one request) with its reads routed by `scope`, which the request may narrow. */
export function withReadScope<T>(scope: ReadScope, work: () => T): T {
  return storage.run(scope, work);
}

/** Whether the current read may go to a replica: only inside a request scope that allows it. */
export function replicaReadAllowed(): boolean {
  return storage.getStore()?.replicaAllowed ?? false;
}

/** From now on, this request reads from the primary (a mutation: it must see what it writes and what others committed). */
export function readFromPrimaryFromNowOn(): void {
  const scope = storage.getStore();
  if (scope) scope.replicaAllowed = false;
}

/**
 * Callers that wrote recently, so that their next reads, for `windowMs`, go to the primary and see
 * their own writes whatever the replicas' lag. Per process (a caller's requests usually reach one
 * hub process over a keep-alive connection); bounded.
 */
export class RecentWriters {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  wrote(caller: string, now = Date.now()): void {
    if (this.windowMs <= 0) return;
    if (this.until.size >= this.maxEntries) this.sweep(now);
    this.until.delete(caller);
    this.until.set(caller, now + this.windowMs);
  }

  wroteRecently(caller: string, now = Date.now()): boolean {
    const until = this.until.get(caller);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(caller);
    return false;
  }

  private sweep(now: number): void {
    for (const [caller, until] of this.until) if (until <= now) this.until.delete(caller);
    while (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
  }
}
