import type { DataSource } from 'typeorm';
import { numberFromEnv } from '../config';
import { raw } from '../db/sql';
import { withTransaction } from '../db/transaction';
import { offerStockChanged, offerStockVersion } from '../db/offer-stock';
import { dialectOf } from '../db/dialect';

/** Offers indexed per transaction. */
const BATCH_SIZE = 2_000;

/** Default of SEARCH_SYNC_BACKLOG: a keyword search indexes a backlog this small itself before it runs. */
export const DEFAULT_SYNC_BACKLOG = 5_000;

/** Default of SEARCH_INDEX_INTERVAL_MS: how often the background indexer looks at the queue. */
export const DEFAULT_INDEX_INTERVAL_MS = 1_000;

export function indexIntervalMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'SEARCH_INDEX_INTERVAL_MS', DEFAULT_INDEX_INTERVAL_MS, { min: 10, integer: true, unit: 'milliseconds' });
}

/** Default of SEARCH_INDEX_MAX_LAG_SECONDS: how long the background indexer may defer to a bulk load. */
export const DEFAULT_MAX_LAG_SECONDS = 60;

export function maxLagSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'SEARCH_INDEX_MAX_LAG_SECONDS', DEFAULT_MAX_LAG_SECONDS, { min: 0, unit: 'seconds' });
}

export function syncBacklogFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'SEARCH_SYNC_BACKLOG', DEFAULT_SYNC_BACKLOG, { min: 0, integer: true, unit: 'offers' });
}

/**
 * The MariaDB keyword index: `offer_search` (FULLTEXT over the title and description of ACTIVE
 * offers) kept up to date from `offer_search_queue`, which triggers on `offer` fill in the writing
 * transaction (migration OfferSearchIndex1764759600000). Writers therefore never pay for full-text
 * indexing; this service does it, in batches, outside their transactions:
 * - in the background (`backgroundPass`, on a timer in main.ts: SEARCH_INDEX_INTERVAL_MS);
 * - before a keyword search (`catchUp`), when the backlog is at most SEARCH_SYNC_BACKLOG offers, so
 *   that a search sees the writes committed before it, as on SQLite. A larger backlog (a bulk
 *   load in progress) is left to the background: keyword search then lags, by the time the indexer
 *   needs to catch up (docs/search.md, "Keyword index").
 *
 * Several processes may index at once: each locks the queue rows it takes (SKIP LOCKED, so none
 * waits for another). A writer that changes an offer while it is being indexed waits for that
 * batch to commit, then queues the offer again: no change is lost. On SQLite every method is a no-op
 * (FTS5 is maintained synchronously by triggers).
 */
export class OfferSearchIndexService {
  private readonly enabled: boolean;
  private inFlight: Promise<number> | null = null;
  /** The stock version at which this process last found the queue empty (see catchUp). */
  private cleanAtVersion: number | null = null;
  /** Background pass: the backlog it last saw, and since when it has been deferring to writers. */
  private lastBacklog = 0;
  private deferringSince: number | null = null;
  private passRunning = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly syncBacklog: number = syncBacklogFromEnv(),
  ) {
    this.enabled = dialectOf(dataSource) === 'mysql';
  }

  /**
   * Indexes one batch of queued offers (up to `limit`): ACTIVE ones are written to offer_search,
   * the others (withdrawn, expired, deleted) removed from it. Returns how many queued offers it took.
   */
  async indexBatch(limit = BATCH_SIZE): Promise<number> {
    if (!this.enabled) return 0;
    const taken = await withTransaction(
      this.dataSource,
      async (tx) => {
        const queued = (
          await tx.rows<{ offer_id: number }>(
            raw(`SELECT offer_id FROM offer_search_queue ORDER BY offer_id LIMIT ${Math.max(1, Math.floor(limit))} FOR UPDATE SKIP LOCKED`),
          )
        ).map((r) => Number(r.offer_id));
        if (queued.length === 0) return 0;
        const ids = queued.join(', '); // integers read from the database
        // READ COMMITTED: plain reads of `offer` see the last committed version and lock nothing,
        // so a writer is never blocked by the indexer's reads (only by the queue rows it holds).
        const active = new Set(
          (await tx.rows<{ id: number }>(raw(`SELECT id FROM offer WHERE id IN (${ids}) AND status = 'ACTIVE'`))).map((r) => Number(r.id)),
        );
        const gone = queued.filter((id) => !active.has(id));
        if (gone.length) await tx.run(raw(`DELETE FROM offer_search WHERE offer_id IN (${gone.join(', ')})`));
        if (active.size) {
          // Server-side copy: the texts never travel to the hub. Unchanged rows are left as they are.
          await tx.run(
            raw(
              `INSERT INTO offer_search (offer_id, title, description) SELECT id, title, description FROM offer WHERE id IN (${[...active].join(', ')}) AND status = 'ACTIVE' ON DUPLICATE KEY UPDATE title = VALUES(title), description = VALUES(description)`,
            ),
          );
        }
        await tx.run(raw(`DELETE FROM offer_search_queue WHERE offer_id IN (${ids})`));
        return queued.length;
      },
      { isolation: 'READ COMMITTED' },
    );
    // What keyword searches return changed: cached keyword counts must not outlive it.
    if (taken > 0) void offerStockChanged(this.dataSource);
    return taken;
  }

  /** Indexes until the queue is empty (what it can take: rows another process is indexing are skipped). */
  async indexPending(): Promise<number> {
    if (!this.enabled) return 0;
    if (this.inFlight) return this.inFlight;
    const run = (async () => {
      let total = 0;
      for (let n; (n = await this.indexBatch()) > 0;) total += n;
      return total;
    })();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      this.inFlight = null;
    }
  }

  /**
   * One tick of the background indexer (main.ts, every SEARCH_INDEX_INTERVAL_MS). While the backlog
   * grows from tick to tick (a bulk load is writing) it defers, up to SEARCH_INDEX_MAX_LAG_SECONDS,
   * so that the load does not share the database with indexing; then it indexes everything queued.
   * Bulk loads store offers faster, and keyword search catches up when they pause (or after the
   * maximum lag): the trade-off of search engines' refresh intervals. Returns the offers indexed.
   */
  async backgroundPass(maxLagMs: number, now: number = Date.now()): Promise<number> {
    if (!this.enabled || this.passRunning) return 0; // a tick while the previous one still runs
    this.passRunning = true;
    try {
      const pending = await this.backlog();
      const growing = pending > this.lastBacklog;
      this.lastBacklog = pending;
      if (pending === 0) {
        this.deferringSince = null;
        return 0;
      }
      if (growing) {
        this.deferringSince ??= now;
        if (now - this.deferringSince < maxLagMs) return 0;
      }
      this.deferringSince = null;
      const indexed = await this.indexPending();
      this.lastBacklog = 0;
      return indexed;
    } finally {
      this.passRunning = false;
    }
  }

  /** Offers waiting to be indexed, counted up to `cap` (the queue can be long during a bulk load). */
  async backlog(cap = 1_000_000): Promise<number> {
    if (!this.enabled) return 0;
    const [row] = await this.dataSource.query(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM offer_search_queue LIMIT ${Math.floor(cap)}) q`);
    return Number(row.n);
  }

  /**
   * Called before a keyword search: indexes a backlog of at most SEARCH_SYNC_BACKLOG offers (joining
   * an indexing run already in progress in this process), so the search sees every write committed
   * before it. A larger backlog is left to the background indexer.
   *
   * No statement at all while this process has written no offer since it last found the queue
   * empty (the offer stock version): writes made by other processes are then indexed by the
   * background indexer of one of them, within SEARCH_INDEX_INTERVAL_MS.
   */
  async catchUp(): Promise<void> {
    if (!this.enabled) return;
    try {
      if (this.inFlight) await this.inFlight;
      const version = offerStockVersion(this.dataSource);
      if (version === this.cleanAtVersion) return;
      const pending = await this.backlog(this.syncBacklog + 1);
      if (pending === 0) this.cleanAtVersion = version;
      else if (pending <= this.syncBacklog) {
        await this.indexPending();
        // Clean as of now unless another write came meanwhile (indexing itself bumps the version).
        if ((await this.backlog(1)) === 0) this.cleanAtVersion = offerStockVersion(this.dataSource);
      }
    } catch (err) {
      // The queue keeps what could not be indexed; the search runs on the index as it stands.
      console.error('Keyword index: catching up before a search failed:', err);
    }
  }

  /**
   * Rebuilds the whole index from the offer table (after a bulk load: one sorted build of the
   * FULLTEXT index instead of row-by-row maintenance). Offers written meanwhile are queued again by
   * the triggers, and indexed by the next run: nothing is lost.
   */
  async rebuild(): Promise<void> {
    if (!this.enabled) return;
    await this.dataSource.query('DELETE FROM offer_search_queue');
    await this.dataSource.query('ALTER TABLE offer_search DROP INDEX ft_offer_search');
    try {
      await this.dataSource.query('TRUNCATE TABLE offer_search');
      await this.dataSource.query(
        "INSERT INTO offer_search (offer_id, title, description) SELECT id, title, description FROM offer WHERE status = 'ACTIVE'",
      );
    } finally {
      // ALGORITHM=COPY: on MariaDB 10.11 a FULLTEXT index dropped and re-added in place can match
      // nothing afterwards (seen on the 1M-offer benchmark database); a copying rebuild is correct.
      await this.dataSource.query('ALTER TABLE offer_search ADD FULLTEXT INDEX ft_offer_search (title, description), ALGORITHM=COPY');
    }
    await offerStockChanged(this.dataSource);
  }
}
