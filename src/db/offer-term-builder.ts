import type { DataSource } from 'typeorm';
import { openMysqlRowLoader } from './offer-bulk-writer';
import { offerTermWeights } from '../lib/offer-terms';
import { batches } from '../lib/chunks';

/** A statement runner: the data source's or a migration's query runner. */
export type QueryFn = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Where the rows go: `offer_term` (term, published_at, offer_id, weight), then `offer_search` (offer_id, published_at, terms). */
export interface TermIndexSink {
  /** Every row of offer_term, in primary-key order, produced as the sink reads them (called once). */
  terms(rows: Iterable<[string, string, number, number]>): Promise<void>;
  /** Every row of offer_search, in offer_id order (called once). */
  offers(rows: Iterable<[number, string, string]>): Promise<void>;
}

export type BuildPhase = 'read' | 'terms' | 'offers';

export interface TermIndexBuildReport {
  offers: number;
  terms: number;
  distinctTerms: number;
  seconds: Record<BuildPhase, number>;
}

/** Offers read per statement. */
const READ_BATCH = 5_000;
/** Term rows between two progress reports. */
const PROGRESS_ROWS = 200_000;
/** Distinct (title, description) pairs remembered: seeded and imported offers repeat texts a lot. */
const MEMO_ENTRIES = 20_000;

/** A growable list of postings: offer index × 65,536 + weight (exact in a double up to 2^53). */
class Postings {
  values = new Float64Array(4);
  n = 0;
  push(value: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = value;
  }
}

/**
 * Builds MariaDB's keyword index from scratch in one pass over the ACTIVE offers (the tables must
 * be empty): reads them by id, folds their words in the hub (offer-terms.ts), then hands the sink
 * every `offer_term` row sorted by primary key (term, published_at, offer_id), so that InnoDB
 * appends to its B-tree instead of inserting at random, and every `offer_search` row. Memory: about
 * 10 bytes per (term, offer) pair (250,000 offers with ~120 distinct words each: ~300 MB).
 */
export async function buildTermIndex(
  query: QueryFn,
  sink: TermIndexSink,
  onProgress?: (phase: BuildPhase, done: number, total: number) => void,
): Promise<TermIndexBuildReport> {
  const seconds: Record<BuildPhase, number> = { read: 0, terms: 0, offers: 0 };
  let started = Date.now();
  const ids: number[] = [];
  const published: string[] = [];
  const termsOf: string[] = [];
  const postings = new Map<string, Postings>();
  const memo = new Map<string, { weights: Map<string, number>; joined: string }>();
  const [{ n: activeCount }] = (await query("SELECT COUNT(*) AS n FROM offer WHERE status = 'ACTIVE'")) as Array<{ n: number }>;
  const total = Number(activeCount);
  let pairs = 0;
  for (let after = 0; ;) {
    const rows = (await query(
      `SELECT id, CAST(published_at AS CHAR) AS published_at, title, description FROM offer WHERE id > ? AND status = 'ACTIVE' ORDER BY id LIMIT ${READ_BATCH}`,
      [after],
    )) as Array<{ id: number; published_at: string; title: string; description: string }>;
    if (rows.length === 0) break;
    for (const row of rows) {
      const key = `${row.title}\u0000${row.description}`;
      let folded = memo.get(key);
      if (!folded) {
        const weights = offerTermWeights(row.title, row.description);
        folded = { weights, joined: [...weights.keys()].join(' ') };
        if (memo.size >= MEMO_ENTRIES) memo.clear();
        memo.set(key, folded);
      }
      const { weights } = folded;
      const index = ids.length;
      ids.push(Number(row.id));
      published.push(row.published_at);
      termsOf.push(folded.joined);
      for (const [term, weight] of weights) {
        let list = postings.get(term);
        if (!list) postings.set(term, (list = new Postings()));
        list.push(index * 65_536 + weight);
      }
      pairs += weights.size;
    }
    after = Number(rows[rows.length - 1].id);
    onProgress?.('read', ids.length, total);
  }
  seconds.read = (Date.now() - started) / 1000;

  // Rank of each offer in (published_at, id) order: a term's postings sorted by rank are in key order.
  started = Date.now();
  const byKey = Array.from(ids.keys()).sort((a, b) =>
    published[a] < published[b] ? -1 : published[a] > published[b] ? 1 : ids[a] - ids[b],
  );
  const rank = new Uint32Array(ids.length);
  byKey.forEach((offer, r) => (rank[offer] = r));
  const terms = [...postings.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let written = 0;
  function* termRows(): Generator<[string, string, number, number]> {
    for (const term of terms) {
      const list = postings.get(term)!;
      const ranked = new Float64Array(list.n);
      for (let i = 0; i < list.n; i++) {
        const value = list.values[i];
        const offer = Math.floor(value / 65_536);
        ranked[i] = rank[offer] * 65_536 + (value - offer * 65_536);
      }
      ranked.sort();
      postings.delete(term); // its memory can go
      for (let i = 0; i < ranked.length; i++) {
        const r = Math.floor(ranked[i] / 65_536);
        const offer = byKey[r];
        yield [term, published[offer], ids[offer], ranked[i] - r * 65_536];
        if (++written % PROGRESS_ROWS === 0) onProgress?.('terms', written, pairs);
      }
    }
  }
  await sink.terms(termRows());
  onProgress?.('terms', written, pairs);
  seconds.terms = (Date.now() - started) / 1000;

  started = Date.now();
  function* offerRows(): Generator<[number, string, string]> {
    for (let i = 0; i < ids.length; i++) {
      yield [ids[i], published[i], termsOf[i]];
      if ((i + 1) % (READ_BATCH * 4) === 0) onProgress?.('offers', i + 1, ids.length);
    }
  }
  await sink.offers(offerRows());
  onProgress?.('offers', ids.length, ids.length);
  seconds.offers = (Date.now() - started) / 1000;
  return { offers: ids.length, terms: pairs, distinctTerms: terms.length, seconds };
}

/** Multi-row INSERTs through any query runner (migrations, tests): no LOAD DATA needed. */
export function insertSink(query: QueryFn): TermIndexSink {
  const insert = async (table: string, columns: string, rows: Iterable<unknown[]>) => {
    for (const chunk of batches(rows, 2_000)) {
      const row = `(${columns
        .split(',')
        .map(() => '?')
        .join(', ')})`;
      await query(`INSERT INTO ${table} (${columns}) VALUES ${chunk.map(() => row).join(', ')}`, chunk.flat());
    }
  };
  return {
    terms: (rows) => insert('offer_term', 'term, published_at, offer_id, weight', rows),
    offers: (rows) => insert('offer_search', 'offer_id, published_at, terms', rows),
  };
}

/**
 * Rebuilds MariaDB's keyword index from the offer table: empties the queue and both tables, then
 * loads every row with LOAD DATA (openMysqlRowLoader) in primary-key order (buildTermIndex).
 */
export async function rebuildTermIndex(
  dataSource: DataSource,
  onProgress?: (phase: BuildPhase, done: number, total: number) => void,
): Promise<TermIndexBuildReport> {
  await dataSource.query('DELETE FROM offer_search_queue');
  await dataSource.query('TRUNCATE TABLE offer_term');
  await dataSource.query('TRUNCATE TABLE offer_search');
  const loader = await openMysqlRowLoader(dataSource);
  try {
    // One statement a table, the rows produced while MariaDB inserts the previous ones; into the
    // emptied tables in bulk mode (no undo log per row).
    return await buildTermIndex(
      (text, params) => dataSource.query(text, params),
      {
        terms: async (rows) => void (await loader.load('offer_term', ['term', 'published_at', 'offer_id', 'weight'], rows, { bulk: true })),
        offers: async (rows) => void (await loader.load('offer_search', ['offer_id', 'published_at', 'terms'], rows, { bulk: true })),
      },
      onProgress,
    );
  } finally {
    await loader.end();
  }
}
