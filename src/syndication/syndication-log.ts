import type { DataSource } from 'typeorm';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { fromDbDateTime, inList, limit, raw, sql, toDbDateTime, valueRows, type Sql } from '../db/sql';
import { chunks } from '../lib/chunks';
import { autocommitStatement, withTransaction, type TxQuery } from '../db/transaction';
import { dialectOf, type Dialect } from '../db/dialect';

/** Pending changes sequenced per transaction. */
const SEQUENCE_BATCH = 5_000;
/** Rows per multi-row INSERT (4 parameters a row). */
const ROWS_PER_INSERT = 1_000;
/** Log rows deleted per statement when compacting. */
const DELETE_BATCH = 5_000;

export interface LogEntry {
  seq: number;
  offerId: number;
  /** null: a write to the offer (every partner); else a preference change of that partner only. */
  partnerId: number | null;
  changedAt: Date;
}

export interface LogState {
  /** The last seq handed out (0: none). */
  head: number;
  /** Every seq at or below this was compacted away: a cursor there gets a snapshot. */
  purgedThrough: number;
}

/**
 * The syndication change log (migration Syndication1765191600000): triggers on `offer` append
 * every write to an agency offer to `syndication_pending` in the writing transaction; this class
 * moves them into the ordered log `syndication_log` and reads and compacts it.
 *
 * Why a sequencer: auto-increment ids are handed out when a row is inserted, not when its
 * transaction commits, so with a transaction holding id 1 still open and id 2 committed a reader
 * sees 2 alone; a cursor "after id 2" then never returns 1. `sequence` runs under a lock (the
 * `syndication_state` row), reads only committed pending rows and gives them the next positions
 * (`seq`) in one transaction; the next run, which waits for that lock, can only give later
 * positions. Every position a reader can see was therefore committed before any later one: a
 * cursor on `seq` skips nothing, whatever order the writers committed in.
 */
export class SyndicationLog {
  private readonly dialect: Dialect;
  private readonly executor: SqlExecutor;
  private sequencing: Promise<number> | null = null;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
    this.executor = createSqlExecutor(dataSource);
  }

  /**
   * Moves committed pending changes into the log, up to `maxBatches` transactions of SEQUENCE_BATCH;
   * returns how many it moved. One run at a time per process (callers join the run in progress);
   * across processes the state row's lock serialises them.
   */
  async sequence(maxBatches = 20): Promise<number> {
    if (this.sequencing) return this.sequencing;
    const run = (async () => {
      let moved = 0;
      for (let i = 0; i < maxBatches; i++) {
        // A plain read first: no lock at all while nothing is pending (the common case of a poll).
        if ((await this.executor.all(sql`SELECT 1 AS x FROM syndication_pending LIMIT 1`)).length === 0) break;
        const n = await this.sequenceBatch();
        moved += n;
        if (n < SEQUENCE_BATCH) break;
      }
      return moved;
    })();
    this.sequencing = run;
    try {
      return await run;
    } finally {
      this.sequencing = null;
    }
  }

  private sequenceBatch(): Promise<number> {
    const lock = raw(this.dialect === 'mysql' ? ' FOR UPDATE' : '');
    return withTransaction(
      this.dataSource,
      async (tx) => {
        const [state] = await tx.rows<{ next_seq: number }>(sql`SELECT next_seq FROM syndication_state WHERE id = 1${lock}`);
        // READ COMMITTED: each statement sees what was committed before it; rows of transactions
        // still open are neither seen nor waited for (they are sequenced by a later run).
        const pending = await tx.rows<{ id: number; offer_id: number; partner_id: number | null; changed_at: unknown }>(
          sql`SELECT id, offer_id, partner_id, changed_at FROM syndication_pending ORDER BY id LIMIT ${limit(SEQUENCE_BATCH)}`,
        );
        if (pending.length === 0) return 0;
        let seq = Number(state.next_seq);
        for (const chunk of chunks(pending, ROWS_PER_INSERT)) {
          const entries = chunk.map((r) => [
            seq++,
            Number(r.offer_id),
            r.partner_id === null ? null : Number(r.partner_id),
            toDbDateTime(fromDbDateTime(r.changed_at)),
          ]);
          await tx.run(sql`INSERT INTO syndication_log (seq, offer_id, partner_id, changed_at) VALUES ${valueRows(entries)}`);
        }
        // By exact id: a range would also take (and wait for) rows of transactions still open.
        await tx.run(sql`DELETE FROM syndication_pending WHERE id IN ${inList(pending.map((r) => Number(r.id)))}`);
        await tx.run(sql`UPDATE syndication_state SET next_seq = ${seq} WHERE id = 1`);
        return pending.length;
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  /** Changes waiting for the sequencer (counted up to `cap`). */
  async backlog(cap = 1_000_000): Promise<number> {
    const [row] = await this.executor.all(sql`SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM syndication_pending LIMIT ${cap}) q`);
    return Number(row.n);
  }

  async state(): Promise<LogState> {
    const [row] = await this.executor.all(sql`SELECT next_seq, purged_through FROM syndication_state WHERE id = 1`);
    return { head: Number(row.next_seq) - 1, purgedThrough: Number(row.purged_through) };
  }

  /** A partner's entries after `afterSeq`, in order: the writes to agency offers and its own preference changes. */
  async entriesAfter(partnerId: number, afterSeq: number, limit: number): Promise<LogEntry[]> {
    const rows = await this.executor.all(
      sql`SELECT seq, offer_id, partner_id, changed_at FROM syndication_log WHERE seq > ${afterSeq} AND (partner_id IS NULL OR partner_id = ${partnerId}) ORDER BY seq LIMIT ${limit}`,
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      offerId: Number(r.offer_id),
      partnerId: r.partner_id === null ? null : Number(r.partner_id),
      changedAt: fromDbDateTime(r.changed_at),
    }));
  }

  /** Inside a preference change's transaction: one pending change for this partner per offer `offers` selects (`SELECT o.id FROM offer o WHERE ...`). */
  async appendForPartner(tx: TxQuery, partnerId: number, offers: Sql, now: Date): Promise<number> {
    return tx.run(
      sql`INSERT INTO syndication_pending (offer_id, partner_id, changed_at) SELECT q.id, ${partnerId}, ${toDbDateTime(now)} FROM (${offers}) q`,
    );
  }

  /**
   * Compaction, so the log does not grow without bound:
   * - entries older than `retentionMs` are dropped when a later entry covers the same offer for the
   *   same readers (the offer's state is read when the feed is read, so the latest entry says it all);
   * - entries older than `horizonMs` are dropped outright, and `purged_through` moves past them
   *   first: a cursor from before then gets a snapshot of the partner's set, then the tail.
   */
  async compact(now: Date, opts: { retentionMs: number; horizonMs: number }): Promise<{ superseded: number; purged: number }> {
    let purged = 0;
    const horizonSeq = await this.lastSeqBefore(new Date(now.getTime() - opts.horizonMs));
    if (horizonSeq > 0) {
      await autocommitStatement(
        this.dataSource,
        sql`UPDATE syndication_state SET purged_through = ${horizonSeq} WHERE id = 1 AND purged_through < ${horizonSeq}`,
      );
      for (;;) {
        const seqs = (
          await this.executor.all(sql`SELECT seq FROM syndication_log WHERE seq <= ${horizonSeq} ORDER BY seq LIMIT ${DELETE_BATCH}`)
        ).map((r) => Number(r.seq));
        if (seqs.length === 0) break;
        purged += await this.deleteSeqs(seqs);
      }
    }
    let superseded = 0;
    const retentionSeq = await this.lastSeqBefore(new Date(now.getTime() - opts.retentionMs));
    for (let from = 0; from < retentionSeq;) {
      const rows = await this.executor.all(
        sql`SELECT l.seq FROM syndication_log l WHERE l.seq > ${from} AND l.seq <= ${retentionSeq} AND EXISTS (SELECT 1 FROM syndication_log n WHERE n.offer_id = l.offer_id AND n.seq > l.seq AND (n.partner_id IS NULL OR n.partner_id = l.partner_id)) ORDER BY l.seq LIMIT ${DELETE_BATCH}`,
      );
      if (rows.length === 0) break;
      const seqs = rows.map((r) => Number(r.seq));
      superseded += await this.deleteSeqs(seqs);
      from = seqs[seqs.length - 1];
    }
    return { superseded, purged };
  }

  /**
   * The last seq written before `instant`, by binary search over seq (changed_at grows with seq, up
   * to the few seconds a transaction may take to commit): no index on changed_at for the
   * sequencer to maintain. Entries sequenced late by that much may be compacted a little early.
   */
  private async lastSeqBefore(instant: Date): Promise<number> {
    const limit = toDbDateTime(instant);
    const firstFrom = async (seq: number) => {
      const [row] = await this.executor.all(sql`SELECT seq, changed_at FROM syndication_log WHERE seq >= ${seq} ORDER BY seq LIMIT 1`);
      return row ? { seq: Number(row.seq), before: toDbDateTime(fromDbDateTime(row.changed_at)) < limit } : null;
    };
    const [range] = await this.executor.all(sql`SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM syndication_log`);
    if (range?.lo === null || range?.lo === undefined) return 0;
    let lo = Number(range.lo);
    let hi = Number(range.hi);
    if (!(await firstFrom(lo))?.before) return 0;
    // lo: an entry before the instant; every entry after hi is not (changed_at grows with seq).
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      const at = await firstFrom(mid);
      if (at?.before) lo = at.seq;
      else hi = mid - 1;
    }
    return lo;
  }

  private async deleteSeqs(seqs: number[]): Promise<number> {
    const statement = sql`DELETE FROM syndication_log WHERE seq IN ${inList(seqs)}`;
    return withTransaction(this.dataSource, (tx) => tx.run(statement));
  }
}

export interface CompactionSettings {
  retentionMs: number;
  horizonMs: number;
  intervalMs: number;
}
