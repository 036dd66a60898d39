import { DEFAULT_SERVICE_SETTINGS } from '../config';
import { sql } from './sql';
import { createSqlExecutor } from './sql-executor';
import { dialectOf } from './dialect';
import {
  EventSubscriber,
  type DataSource,
  type EntitySubscriberInterface,
  type InsertEvent,
  type RemoveEvent,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type UpdateEvent,
} from 'typeorm';

/**
 * What this process knows of the public offer stock's version, per data source. Cached counts,
 * match lists and responses are keyed by it (currentStockVersion, currentSearchVersion), so a
 * write made through this process is visible in the very next count, and another process's within
 * STOCK_VERSION_POLL_MS.
 */
interface StockState {
  /** Moves on every write that can change what public search counts (offers, partners): this process's at once, others' when read. */
  stock: number;
  /** The stock version counts see: `stock`, except that this process's writes coalesce under pressure (currentCountVersion). */
  countStock: number;
  /** When countStock last caught up with a write of this process (Date.now()). */
  countMovedAt: number;
  /** OFFER_COUNT_WRITE_COALESCE_MS. */
  countCoalesceMs: number;
  /** Moves when this process's keyword indexer changed what keyword searches match (the stock itself unchanged). */
  index: number;
  /** This process's writes to offers or partners (OfferSearchIndexService.catchUp: anything to index?). */
  localWrites: number;
  shared: SharedVersion;
}

interface SharedVersion {
  /** data_version.version as last known: read, or returned by this process's own bump. */
  value: number;
  /** When the last read started (Date.now()). */
  readAt: number;
  reading: Promise<void> | null;
  pollMs: number;
}

/**
 * The cross-process part: the one-row table data_version, bumped by every process after each write
 * to the offer stock commits (the hub, the import CLI, the seed, all through offerStockChanged),
 * and read by each process at most once every STOCK_VERSION_POLL_MS. One indexed row: a read costs
 * a point lookup a second, a bump a one-row update outside the writing transaction (so concurrent
 * writers never queue on it). A process recognises its own bumps (the update returns the value it
 * made): they do not make it recount a second time when it reads the shared version next.
 */
const states = new WeakMap<DataSource, StockState>();

function stateOf(dataSource: DataSource): StockState {
  let state = states.get(dataSource);
  if (!state)
    states.set(
      dataSource,
      (state = {
        stock: 0,
        countStock: 0,
        countMovedAt: -Infinity,
        countCoalesceMs: DEFAULT_SERVICE_SETTINGS.countWriteCoalesceMs,
        index: 0,
        localWrites: 0,
        shared: { value: 0, readAt: -Infinity, reading: null, pollMs: DEFAULT_SERVICE_SETTINGS.stockVersionPollMs },
      }),
    );
  return state;
}

/** How many writes to offers and partners this process has made so far (not its keyword indexing). */
export function localStockWrites(dataSource: DataSource): number {
  return stateOf(dataSource).localWrites;
}

/** STOCK_VERSION_POLL_MS: how often this process reads the shared version at most (0: before every count). */
export function setStockVersionPollMs(dataSource: DataSource, pollMs: number): void {
  stateOf(dataSource).shared.pollMs = pollMs;
}

/** OFFER_COUNT_WRITE_COALESCE_MS: under pressure, this process's writes reach counts together at most this often (0: each at once). */
export function setCountWriteCoalesceMs(dataSource: DataSource, ms: number): void {
  stateOf(dataSource).countCoalesceMs = ms;
}

/** Counts see the stock as it is now. */
function countsCatchUp(state: StockState, now: number): void {
  state.countStock = state.stock;
  state.countMovedAt = now;
}

/** A shared value seen (read, or returned by a bump) that is news to this process: another process wrote. */
function sharedSeen(state: StockState, value: number): void {
  if (value > state.shared.value) {
    state.shared.value = value;
    state.stock++;
    // Another process's write reaches counts at once (keeping this process's coalescing window).
    state.countStock = state.stock;
  }
}

/**
 * Records a write: to the offer stock (`offers`: offers or partners), or to the keyword index alone
 * (`keyword index`: what keyword searches match changed, nothing else). This process's version at
 * once, and the shared version in the database (the returned promise; awaited by the write paths,
 * so that a CLI exits only once other processes can see its writes). A failed bump is logged,
 * never thrown: other processes then see the write when their cached counts expire
 * (OFFER_COUNT_CACHE_SECONDS).
 */
export function offerStockChanged(dataSource: DataSource, what: 'offers' | 'keyword index' = 'offers'): Promise<void> {
  const state = stateOf(dataSource);
  if (what === 'keyword index') state.index++;
  else {
    state.stock++;
    state.localWrites++;
  }
  if (!dataSource.isInitialized) return Promise.resolve();
  const bump = bumpSharedVersion(dataSource).then(
    (value) => {
      // Exactly one more than known: this bump alone, already counted above. More: others wrote too.
      if (value === state.shared.value + 1) state.shared.value = value;
      else sharedSeen(state, value);
    },
    (err: unknown) => {
      if (dataSource.isInitialized)
        console.error('Could not bump the shared stock version (data_version):', err instanceof Error ? err.message : err);
    },
  );
  let pending = pendingBumps.get(dataSource);
  if (!pending) pendingBumps.set(dataSource, (pending = new Set()));
  pending.add(bump);
  void bump.finally(() => pending.delete(bump));
  return bump;
}

/** Adds one to data_version and returns the value this update made. */
async function bumpSharedVersion(dataSource: DataSource): Promise<number> {
  if (dialectOf(dataSource) === 'sqlite') {
    const [row] = await dataSource.query('UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version');
    return Number(row.version);
  }
  // LAST_INSERT_ID(expr) keeps the value for this connection: the next statement on it reads it back.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('UPDATE data_version SET version = LAST_INSERT_ID(version + 1) WHERE id = 1');
    const [row] = await runner.query('SELECT LAST_INSERT_ID() AS version');
    return Number(row.version);
  } finally {
    await runner.release();
  }
}

/** Bumps of the shared version still in flight, per data source (the entity subscriber does not await its own). */
const pendingBumps = new WeakMap<DataSource, Set<Promise<void>>>();

/** Resolves once every bump of the shared version started so far has ended (tests that count SQL statements). */
export async function offerStockSettled(dataSource: DataSource): Promise<void> {
  while (pendingBumps.get(dataSource)?.size) await Promise.all([...pendingBumps.get(dataSource)!]);
}

/** Reads the shared version if STOCK_VERSION_POLL_MS has passed since the last read; waits for a read in flight. */
async function pollSharedVersion(dataSource: DataSource): Promise<StockState> {
  const state = stateOf(dataSource);
  const shared = state.shared;
  if (!shared.reading && Date.now() - shared.readAt >= shared.pollMs) {
    shared.readAt = Date.now();
    shared.reading = readSharedVersion(dataSource)
      .then((value) => {
        if (value !== null) sharedSeen(state, value);
      })
      .catch((err: unknown) =>
        console.error('Could not read the shared stock version (data_version):', err instanceof Error ? err.message : err),
      )
      .finally(() => {
        shared.reading = null;
      });
  }
  // A read in flight (started by this caller or another) is waited for: it may be the one that
  // brings another process's write.
  if (shared.reading) await shared.reading;
  return state;
}

/**
 * The version of the offer stock (offers and partners as stored): this process's writes at once,
 * every process's within STOCK_VERSION_POLL_MS (plus one read). Only grows. Counts without keywords
 * and the partner directory are keyed by it. Concurrent callers share one read; a failed read keeps
 * the last value.
 */
export async function currentStockVersion(dataSource: DataSource): Promise<number> {
  return (await pollSharedVersion(dataSource)).stock;
}

/**
 * The stock version plus this process's keyword index changes: what keyword searches' match lists
 * and counts, and whole cached responses, are keyed by. (Another process's indexing reaches this
 * one as a stock change, through the shared version.)
 */
export async function currentSearchVersion(dataSource: DataSource): Promise<number> {
  const state = await pollSharedVersion(dataSource);
  return state.stock + state.index;
}

/**
 * The version public counts (totals, facets) are keyed by: the stock version, except under
 * pressure (`coalesce`: keeping counts current already works the database hard, StockCache's
 * busyShare), when this process's writes are taken together, once OFFER_COUNT_WRITE_COALESCE_MS has
 * passed since counts last moved. Other processes' writes move it when read. `keywords`: a count
 * with keywords also follows this process's keyword indexing.
 */
export async function currentCountVersion(dataSource: DataSource, keywords: boolean, coalesce: boolean): Promise<number> {
  const state = await pollSharedVersion(dataSource);
  const now = Date.now();
  if (state.countStock !== state.stock && (!coalesce || now - state.countMovedAt >= state.countCoalesceMs)) countsCatchUp(state, now);
  return state.countStock + (keywords ? state.index : 0);
}

async function readSharedVersion(dataSource: DataSource): Promise<number | null> {
  const [row] = await createSqlExecutor(dataSource).all(sql`SELECT version FROM data_version WHERE id = 1`);
  return row ? Number(row.version) : null;
}

const STOCK_TABLES = new Set(['offer', 'partner']);

/** Marks a query runner whose open transaction wrote offers or partners (bumped again at its commit). */
const STOCK_WRITTEN = 'passerelleOfferStockWritten';

type WriteEvent = InsertEvent<unknown> | UpdateEvent<unknown> | RemoveEvent<unknown>;

/**
 * Bumps the version on every offer or partner written through TypeORM's entity API (the agency's
 * partner administration, test factories); the raw-SQL write paths call offerStockChanged themselves.
 * Entity events fire inside the saving transaction, before its commit: the version is bumped then,
 * and again once the transaction commits, so that no count computed in between (still seeing the
 * old rows) outlives the commit.
 * (@EventSubscriber is what makes TypeORM load a class listed in the `subscribers` option: without
 * it the class is silently ignored.)
 */
@EventSubscriber()
export class OfferStockSubscriber implements EntitySubscriberInterface {
  private written(event: WriteEvent): void {
    if (!STOCK_TABLES.has(event.metadata.tableName)) return;
    if (event.queryRunner?.isTransactionActive) {
      // Inside the saving transaction: this process's version now; the shared one at the commit.
      const state = stateOf(event.connection);
      state.stock++;
      state.localWrites++;
      event.queryRunner.data[STOCK_WRITTEN] = true;
    } else {
      void offerStockChanged(event.connection);
    }
  }

  afterInsert(event: InsertEvent<unknown>): void {
    this.written(event);
  }

  afterUpdate(event: UpdateEvent<unknown>): void {
    this.written(event);
  }

  afterRemove(event: RemoveEvent<unknown>): void {
    this.written(event);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.data?.[STOCK_WRITTEN]) return;
    delete event.queryRunner.data[STOCK_WRITTEN];
    void offerStockChanged(event.connection);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner.data) delete event.queryRunner.data[STOCK_WRITTEN];
  }
}
