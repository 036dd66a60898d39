import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { DEFAULT_SERVICE_SETTINGS } from '../config';
import { dialectOf } from '../db/dialect';
import { offerStockChanged, localStockWrites } from '../db/offer-stock';
import { inList, joinSql, limit, sql, valueRows, type Sql } from '../db/sql';
import { queryPrimary } from '../db/sql-executor';
import { withTransaction, type TxQuery } from '../db/transaction';
import { rebuildTermIndex, type BuildPhase, type TermIndexBuildReport } from '../db/offer-term-builder';
import { offerTermWeights } from '../lib/offer-terms';

/** Offers indexed per transaction. */
const BATCH_SIZE = 2_000;

/**
 * Offers whose words are folded between two turns of the event loop: folding takes ~75 µs an
 * offer, so a whole batch folded at once blocked every request of the process for ~150-250 ms
 * (bench:soak's hub stalls); 100 at a time keeps a turn under ~10 ms.
 */
const FOLDS_PER_TURN = 100;

/**
 * The MariaDB keyword index: `offer_term` (one row per distinct folded word of each ACTIVE offer's
 * title and description, keyed (term, published_at, offer_id): migration OfferTermIndex1765278000000)
 * and `offer_search` (what each offer is indexed under), kept up to date from `offer_search_queue`,
 * which triggers on `offer` fill in the writing transaction (migration OfferSearchIndex1764759600000).
 * Writers therefore never pay for indexing; this service does it, in batches, outside their
 * transactions:
 * - in the background (`backgroundPass`, on a timer in main.ts: SEARCH_INDEX_INTERVAL_MS);
 * - before a keyword search (`catchUp`), when the backlog is at most SEARCH_SYNC_BACKLOG offers, so
 *   that a search sees the writes committed before it, as on SQLite. A larger backlog (a bulk
 *   load in progress) is left to the background: keyword search then lags, by the time the indexer
 *   needs to catch up (docs/search.md, "Keyword search").
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
    /** SEARCH_SYNC_BACKLOG: a keyword search indexes a backlog this small itself before it runs. */
    private readonly syncBacklog: number = DEFAULT_SERVICE_SETTINGS.searchSyncBacklog,
  ) {
    this.enabled = dialectOf(dataSource) === 'mysql';
  }

  /**
   * Indexes one batch of queued offers (up to `limit`): the terms of ACTIVE ones are written to
   * offer_term (and those they no longer have deleted), the others' (withdrawn, expired, deleted)
   * removed. Returns how many queued offers it took.
   */
  async indexBatch(batch = BATCH_SIZE): Promise<number> {
    if (!this.enabled) return 0;
    const taken = await withTransaction(
      this.dataSource,
      async (tx) => {
        const queued = (
          await tx.rows<{ offer_id: number }>(
            sql`SELECT offer_id FROM offer_search_queue ORDER BY offer_id LIMIT ${limit(Math.max(1, Math.floor(batch)))} FOR UPDATE SKIP LOCKED`,
          )
        ).map((r) => Number(r.offer_id));
        if (queued.length === 0) return 0;
        const ids = inList(queued);
        // What each offer is indexed under now, to delete what no longer holds.
        const indexed = new Map(
          (
            await tx.rows<{ offer_id: number; published_at: string; terms: string }>(
              sql`SELECT offer_id, CAST(published_at AS CHAR) AS published_at, terms FROM offer_search WHERE offer_id IN ${ids}`,
            )
          ).map((r) => [Number(r.offer_id), { publishedAt: r.published_at, terms: r.terms === '' ? [] : r.terms.split(' ') }]),
        );
        // READ COMMITTED: plain reads of `offer` see the last committed version and lock nothing,
        // so a writer is never blocked by the indexer's reads (only by the queue rows it holds).
        const active = await tx.rows<{ id: number; published_at: string; title: string; description: string }>(
          sql`SELECT id, CAST(published_at AS CHAR) AS published_at, title, description FROM offer WHERE id IN ${ids} AND status = 'ACTIVE'`,
        );
        const stale: Array<{ offerId: number; publishedAt: string; terms: string[] }> = [];
        const termRows: Array<[string, string, number, number]> = [];
        const searchRows: Array<[number, string, string]> = [];
        const activeIds = new Set<number>();
        let folded = 0;
        for (const row of active) {
          if (++folded % FOLDS_PER_TURN === 0) await nextTurn();
          const offerId = Number(row.id);
          activeIds.add(offerId);
          const weights = offerTermWeights(row.title, row.description);
          const before = indexed.get(offerId);
          if (before) {
            // Same date: only the words it lost; a new date moves every row (it is in the key).
            const gone = before.publishedAt === row.published_at ? before.terms.filter((t) => !weights.has(t)) : before.terms;
            if (gone.length) stale.push({ offerId, publishedAt: before.publishedAt, terms: gone });
          }
          for (const [term, weight] of weights) termRows.push([term, row.published_at, offerId, weight]);
          searchRows.push([offerId, row.published_at, [...weights.keys()].join(' ')]);
        }
        const left = queued.filter((id) => !activeIds.has(id));
        for (const offerId of left) {
          const before = indexed.get(offerId);
          if (before?.terms.length) stale.push({ offerId, ...before });
        }
        await deleteTermRows(tx, stale);
        for (let start = 0; start < termRows.length; start += 2_000) {
          const chunk = termRows.slice(start, start + 2_000);
          await tx.run(
            sql`INSERT INTO offer_term (term, published_at, offer_id, weight) VALUES ${valueRows(chunk)} ON DUPLICATE KEY UPDATE weight = VALUES(weight)`,
          );
        }
        if (searchRows.length) {
          await tx.run(
            sql`INSERT INTO offer_search (offer_id, published_at, terms) VALUES ${valueRows(searchRows)} ON DUPLICATE KEY UPDATE published_at = VALUES(published_at), terms = VALUES(terms)`,
          );
        }
        if (left.length) await tx.run(sql`DELETE FROM offer_search WHERE offer_id IN ${inList(left)}`);
        await tx.run(sql`DELETE FROM offer_search_queue WHERE offer_id IN ${ids}`);
        return queued.length;
      },
      { isolation: 'READ COMMITTED' },
    );
    // What keyword searches return changed: cached keyword counts must not outlive it.
    if (taken > 0) void offerStockChanged(this.dataSource, 'keyword index');
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
    const [row] = await queryPrimary<{ n: number }>(
      this.dataSource,
      sql`SELECT COUNT(*) AS n FROM (SELECT 1 FROM offer_search_queue LIMIT ${limit(Math.floor(cap))}) q`,
    );
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
      const version = localStockWrites(this.dataSource);
      if (version === this.cleanAtVersion) return;
      const pending = await this.backlog(this.syncBacklog + 1);
      if (pending === 0) this.cleanAtVersion = version;
      else if (pending <= this.syncBacklog) {
        await this.indexPending();
        // Clean as of now unless another write came meanwhile.
        if ((await this.backlog(1)) === 0) this.cleanAtVersion = localStockWrites(this.dataSource);
      }
    } catch (err) {
      // The queue keeps what could not be indexed; the search runs on the index as it stands.
      console.error('Keyword index: catching up before a search failed:', err);
    }
  }

  /**
   * Rebuilds the whole index from the offer table (after a bulk load, or to repair it): empties it,
   * then writes every term row sorted by primary key with LOAD DATA (offer-term-builder.ts), which
   * InnoDB appends instead of inserting at random. Searches find less until it ends. Offers written
   * meanwhile are queued again by the triggers, and indexed by the next run: nothing is lost.
   */
  async rebuild(onProgress?: (phase: BuildPhase, done: number, total: number) => void): Promise<TermIndexBuildReport | null> {
    if (!this.enabled) return null;
    const report = await rebuildTermIndex(this.dataSource, onProgress);
    await offerStockChanged(this.dataSource, 'keyword index');
    return report;
  }
}

/** Deletes offers' rows from offer_term by primary key (a few hundred offers per statement). */
async function deleteTermRows(tx: TxQuery, stale: Array<{ offerId: number; publishedAt: string; terms: string[] }>): Promise<void> {
  let clauses: Sql[] = [];
  let params = 0;
  const flush = async () => {
    if (clauses.length) await tx.run(sql`DELETE FROM offer_term WHERE ${joinSql(clauses, ' OR ')}`);
    clauses = [];
    params = 0;
  };
  for (const { offerId, publishedAt, terms } of stale) {
    for (let start = 0; start < terms.length; start += 1_000) {
      const some = terms.slice(start, start + 1_000);
      clauses.push(sql`(published_at = ${publishedAt} AND offer_id = ${offerId} AND term IN ${inList(some)})`);
      params += 2 + some.length;
      if (params > 5_000) await flush();
    }
  }
  await flush();
}
