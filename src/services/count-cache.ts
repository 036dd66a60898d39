/** Default time-to-live of cached public counts (totals and facets): OFFER_COUNT_CACHE_SECONDS. */
export const DEFAULT_COUNT_CACHE_SECONDS = 10;
const MAX_ENTRIES = 20_000;

/** OFFER_COUNT_CACHE_SECONDS (0 turns the cache off), else the default. */
export function countCacheSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OFFER_COUNT_CACHE_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_COUNT_CACHE_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`OFFER_COUNT_CACHE_SECONDS must be a number of seconds >= 0, got "${raw}"`);
  return seconds;
}

interface Entry {
  version: number;
  expiresAt: number;
  value: Promise<unknown>;
}

/**
 * Public counts (totalCount, facets) shared between requests for a few seconds. A total or a facet
 * over a broad filter counts tens of thousands of index entries; the same few filters come back
 * request after request (a department, a contract type), so each is counted once per time-to-live.
 * An entry holds for the stock version it was computed at (offer-stock.ts): any write this process
 * makes is visible in the next count; another process's writes, and offers passing their
 * validThrough, within the time-to-live. Concurrent requests for the same count share one query.
 * Pages are never cached: they are cheap, and what a partner just pushed must list at once.
 */
export class CountCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number) {}

  get<T>(key: string, version: number, compute: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.version === version && hit.expiresAt > now) return hit.value as Promise<T>;
    const value = compute();
    const entry: Entry = { version, expiresAt: now + this.ttlMs, value };
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
