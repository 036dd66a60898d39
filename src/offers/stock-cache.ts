const MAX_ENTRIES = 20_000;
/** Background recounts running at once: entries that expire together must not flood the database. */
const MAX_CONCURRENT_REFRESHES = 2;
/** The window busyShare looks back on. */
const BUSY_WINDOW_MS = 2_000;
/**
 * Above this busy share (a tenth of the time), counts stop following each write of this process at once and take them
 * together every OFFER_COUNT_WRITE_COALESCE_MS (currentCountVersion): a partner pushing every second
 * had every total and facet recounted after every push, half the hub's throughput (bench (bw)).
 */
const COUNT_PRESSURE = 0.1;
/** Once the busy share reached COUNT_PRESSURE, counts stay under pressure (coalesced) this long at least (underPressure). */
const PRESSURE_HOLD_MS = 10_000;

interface Entry {
  version: number;
  /** Fresh until then; served while a refresh runs until one more time-to-live has passed. */
  freshUntil: number;
  value: Promise<unknown>;
  refreshing: boolean;
}

/**
 * Values computed from the public offer stock, shared between requests for a few seconds and keyed
 * by the stock version: public counts (totalCount, facets) and keyword searches' ordered match
 * lists (ids only: OfferSearchService.keywordPage). Counts are what it was first built for: a total or a facet
 * over a broad filter counts tens of thousands of index entries; the same few filters come back
 * request after request (a department, a contract type), so each is counted once per time-to-live.
 * An entry holds for the stock version it was computed at (offer-stock.ts). Concurrent requests
 * for the same count share one query. A stale entry (past its time-to-live, or from before a write)
 * younger than two times-to-live is answered while one recount runs in the background, at most
 * MAX_CONCURRENT_REFRESHES at once (the others wait their turn, their previous counts still served),
 * so that entries going stale together do not all make their callers wait at the same moment:
 * - past its time-to-live: always (another process's writes, and offers passing their validThrough,
 *   show within one time-to-live, two at most);
 * - from before a write of this process: only while the database is already busy with as many
 *   recounts as the background may run. Otherwise the caller waits for the recount, so a write made
 *   through this process shows in the very next count whenever the database keeps up. Under a
 *   steady flow of writes (partners pushing all day), waiting for every count after every write
 *   recounted everything the whole time: requests queued behind hundreds of recounts (measured
 *   with one 100-offer push a second: a faceted search at 95 req/s, p99 483 ms, against ~800
 *   without the pushes; 743-793 req/s, p99 41-44 ms since, README "Counts are shared").
 * Older than two times-to-live, an entry is never answered. Pages are never cached: they are cheap,
 * and what a partner just pushed must list at once (a keyword page's rows are read fresh too).
 */
export class StockCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshQueue: Array<() => Promise<void>> = [];
  /** Computations running now, waited for or in the background. */
  private computing = 0;
  /** When `computing` last went from 0 to 1 (Date.now()), while it is above 0. */
  private busySince = 0;
  /** Periods with a computation running that ended within the last BUSY_WINDOW_MS: [start, end]. */
  private busyPeriods: Array<[number, number]> = [];
  /** Until then counts stay under pressure (underPressure). */
  private pressuredUntil = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number = MAX_ENTRIES,
  ) {}

  /** False when the time-to-live is 0: every get computes. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** As many computations are running as the background may run: the database has its share. */
  private get busy(): boolean {
    return this.computing >= MAX_CONCURRENT_REFRESHES;
  }

  /** Every computation goes through here: counted while it runs; its end lets a queued recount start. */
  private run<T>(compute: () => Promise<T>): Promise<T> {
    if (this.computing++ === 0) this.busySince = Date.now();
    const value = compute();
    const done = () => {
      if (--this.computing === 0) {
        const now = Date.now();
        this.busyPeriods.push([this.busySince, now]);
        this.forgetBusyBefore(now - BUSY_WINDOW_MS);
      }
      this.pump();
    };
    void value.then(done, done);
    return value;
  }

  /**
   * The share of the last BUSY_WINDOW_MS during which at least one computation ran (0 to 1): how
   * hard keeping these values current works the database (offer-stock.ts's currentCountVersion
   * coalesces writes above COUNT_PRESSURE).
   */
  busyShare(): number {
    const now = Date.now();
    const from = now - BUSY_WINDOW_MS;
    this.forgetBusyBefore(from);
    let busy = this.computing > 0 ? now - Math.max(from, this.busySince) : 0;
    for (const [start, end] of this.busyPeriods) if (end > from) busy += end - Math.max(start, from);
    return Math.min(1, busy / BUSY_WINDOW_MS);
  }

  /** Drops the busy periods that ended at or before `from` (out of busyShare's window). */
  private forgetBusyBefore(from: number): void {
    while (this.busyPeriods.length && this.busyPeriods[0][1] <= from) this.busyPeriods.shift();
  }

  /**
   * Whether recounts keep the database busy (busyShare at COUNT_PRESSURE or more), now or within the
   * last PRESSURE_HOLD_MS: a burst of recounts ends, the share falls within its 2 s window, and the
   * next write would otherwise have everything recounted at once again.
   */
  underPressure(): boolean {
    const now = Date.now();
    if (this.busyShare() >= COUNT_PRESSURE) this.pressuredUntil = now + PRESSURE_HOLD_MS;
    return now < this.pressuredUntil;
  }

  /** Whether `get` could answer this key without computing it first (an entry still within twice its time-to-live). */
  has(key: string): boolean {
    const hit = this.entries.get(key);
    return hit !== undefined && Date.now() < hit.freshUntil + this.ttlMs;
  }

  get<T>(key: string, version: number, compute: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit) {
      const current = hit.version === version;
      if (current && now < hit.freshUntil) return hit.value as Promise<T>;
      if (now < hit.freshUntil + this.ttlMs && (current || this.busy)) {
        if (!hit.refreshing) {
          hit.refreshing = true;
          this.refreshLater(() =>
            this.run(compute).then(
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
    const value = this.run(compute);
    const entry = this.store(key, version, value);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /**
   * Queues a background recount. They start in the order asked for, while fewer than
   * MAX_CONCURRENT_REFRESHES computations (recounts waited for included) are running.
   */
  private refreshLater(refresh: () => Promise<void>): void {
    this.refreshQueue.push(refresh);
    this.pump();
  }

  private pump(): void {
    while (this.computing < MAX_CONCURRENT_REFRESHES && this.refreshQueue.length) void this.refreshQueue.shift()!();
  }

  private store(key: string, version: number, value: Promise<unknown>): Entry {
    const entry: Entry = { version, freshUntil: Date.now() + this.ttlMs, value, refreshing: false };
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    return entry;
  }
}
