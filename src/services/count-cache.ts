import { numberFromEnv } from '../config';
/** Default time-to-live of cached public counts (totals and facets): OFFER_COUNT_CACHE_SECONDS. */
export const DEFAULT_COUNT_CACHE_SECONDS = 10;
const MAX_ENTRIES = 20_000;
/** Background recounts running at once: entries that expire together must not flood the database. */
const MAX_CONCURRENT_REFRESHES = 2;

/** OFFER_COUNT_CACHE_SECONDS (0 turns the cache off), else the default. */
export function countCacheSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'OFFER_COUNT_CACHE_SECONDS', DEFAULT_COUNT_CACHE_SECONDS, { min: 0, unit: 'seconds' });
}

/** Default time-to-live of keyword searches' cached match lists: KEYWORD_CACHE_SECONDS. */
export const DEFAULT_KEYWORD_CACHE_SECONDS = 60;

/** KEYWORD_CACHE_SECONDS (0 turns that cache off), else the default. */
export function keywordCacheSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'KEYWORD_CACHE_SECONDS', DEFAULT_KEYWORD_CACHE_SECONDS, { min: 0, unit: 'seconds' });
}

interface Entry {
  version: number;
  /** Fresh until then; served while a refresh runs until one more time-to-live has passed. */
  freshUntil: number;
  value: Promise<unknown>;
  refreshing: boolean;
}

/**
 * Public counts (totalCount, facets) shared between requests for a few seconds. A total or a facet
 * over a broad filter counts tens of thousands of index entries; the same few filters come back
 * request after request (a department, a contract type), so each is counted once per time-to-live.
 * An entry holds for the stock version it was computed at (offer-stock.ts): any write this process
 * makes is visible in the next count; another process's writes, and offers passing their
 * validThrough, within the time-to-live (twice it at most, see below). Concurrent requests for the
 * same count share one query. Once an entry is past its time-to-live, the next request starts one
 * recount in the background and is answered with the previous count meanwhile (unless that is
 * older than two times-to-live): entries computed together do not all make their callers wait for
 * a recount at the same moment, and at most two recounts run in the background at once (the
 * others wait their turn, their previous counts still served). Pages are never cached: they are
 * cheap, and what a partner just pushed must list at once. (Keyword searches keep their ordered
 * match lists in a cache of this kind, OfferSearchService.keywordPage: ids only, rows read fresh.)
 */
export class CountCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshQueue: Array<() => Promise<void>> = [];
  private refreshesRunning = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number = MAX_ENTRIES,
  ) {}

  /** False when the time-to-live is 0: every get computes. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get<T>(key: string, version: number, compute: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      if (now < hit.freshUntil) return hit.value as Promise<T>;
      if (now < hit.freshUntil + this.ttlMs) {
        if (!hit.refreshing) {
          hit.refreshing = true;
          this.refreshLater(() =>
            compute().then(
              (value) => {
                if (this.entries.get(key) === hit) this.store(key, version, Promise.resolve(value));
              },
              () => {
                hit.refreshing = false;
              },
            ),
          );
        }
        return hit.value as Promise<T>;
      }
    }
    const value = compute();
    const entry = this.store(key, version, value);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** Runs background recounts MAX_CONCURRENT_REFRESHES at a time, in the order they were asked for. */
  private refreshLater(refresh: () => Promise<void>): void {
    this.refreshQueue.push(refresh);
    const pump = () => {
      while (this.refreshesRunning < MAX_CONCURRENT_REFRESHES && this.refreshQueue.length) {
        const next = this.refreshQueue.shift()!;
        this.refreshesRunning++;
        void next().finally(() => {
          this.refreshesRunning--;
          pump();
        });
      }
    };
    pump();
  }

  private store(key: string, version: number, value: Promise<unknown>): Entry {
    const entry: Entry = { version, freshUntil: Date.now() + this.ttlMs, value, refreshing: false };
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    return entry;
  }
}
