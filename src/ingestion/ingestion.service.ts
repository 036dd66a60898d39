import type { RequestScope } from '../auth/request-scope';
import { publisherOf, type Publisher } from '../auth/viewer';
import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PartnerEntity } from '../../entities';
import { OFFER_WRITE_COLUMNS, offerWriteValues } from '../db/offer-row';
import { columnList, fromDbDateTime, inList, raw, ROWS_PER_STATEMENT, sql, toDbDateTime, valueRows, type Sql } from '../db/sql';
import { isDuplicateKey } from '../db/driver-errors';
import { createSqlExecutor, queryPrimary, type SqlExecutor } from '../db/sql-executor';
import { withTransaction, type TransactionOptions, type TxQuery } from '../db/transaction';
import { offerStockChanged } from '../db/offer-stock';
import { chunks } from '../lib/chunks';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors';
import {
  MAX_OFFERS_PER_CALL,
  type InputErrorModel,
  type OfferIngestion,
  type OfferInput,
  type OfferUpsertResultModel,
  type SyncWithdrawal,
  type SyncWithdrawalOptions,
  type UpsertOffersPayloadModel,
  type WithdrawOffersResult,
} from './ingestion.types';
import {
  inputHash,
  isWellFormedKey,
  normalizeExternalId,
  sameContent,
  toWellFormedText,
  validateOfferInput,
  type ValidatedOffer,
} from './offer-validation';
import { dialectOf, type Dialect } from '../db/dialect';

/** On conflict, everything but the publisher key columns is replaced. */
const UPDATED_COLUMNS = OFFER_WRITE_COLUMNS.filter((c) => !['source', 'partner_id', 'partner_key', 'external_id'].includes(c));

/**
 * An upsert call's transaction on MariaDB. READ COMMITTED: looking up externalIds that are not
 * stored yet takes no gap locks, so two calls of one partner adding offers at once (whose new
 * externalIds share the gaps of the unique index) no longer deadlock on each other's gaps, nor
 * fail once the retries run out (seen with two 1,000-offer calls at once). What REPEATABLE READ's gap
 * locks guaranteed, that an offer is CREATED by one call only, the plain INSERT of new offers
 * does: a duplicate on the offer key means another call stored it since the lookup, and the whole
 * call runs again.
 */
const UPSERT_TRANSACTION: TransactionOptions = {
  isolation: 'READ COMMITTED',
  retryOn: (err) => isDuplicateKey(err, 'uq_offer_partner_external'),
};

/** externalIds per IN (...) lookup. */
const KEYS_PER_LOOKUP = 1000;

interface StoredOffer {
  id: number;
  externalId: string;
  contentHash: string | null;
  status: string;
  publishedAt: Date | string;
}

type Row = Record<string, unknown>;

/** The stored offer columns an upsert compares against, in the order storedFromRow reads them. */
const STORED_COLUMNS = columnList(['id', 'external_id', 'content_hash', 'status', 'published_at']);

function storedFromRow(r: Row): StoredOffer {
  return {
    id: Number(r.id),
    externalId: r.external_id as string,
    contentHash: (r.content_hash as string | null) ?? null,
    status: r.status as string,
    publishedAt: r.published_at as Date | string,
  };
}

/** UNCHANGED: the stored offer is ACTIVE and was written from this input (its content hash). */
function isUnchanged(stored: StoredOffer, item: { hash: string; input: OfferInput }): boolean {
  return stored.status === 'ACTIVE' && sameContent(stored.contentHash, item.hash);
}

function publisherKey(publisher: Publisher): number {
  return publisher.kind === 'AGENCY' ? 0 : publisher.partnerId;
}

/**
 * Hash of a whole call's payload (ingest_batch.payload_hash): its items' content hashes in order
 * (inputHash), so the payload is serialised once, not twice.
 */
function payloadHashOf(itemHashes: readonly string[]): string {
  return crypto.hash('sha256', itemHashes.join(','), 'base64url');
}

/** A multi-row INSERT of offers (rows of offerWriteValues): a new offer's row, which fails on a (publisher, externalId) already stored. */
function insertStatement(rows: ReadonlyArray<readonly unknown[]>): Sql {
  return sql`INSERT INTO offer (${columnList(OFFER_WRITE_COLUMNS)}) VALUES ${valueRows(rows)}`;
}

/** On a (publisher, externalId) already stored, every column but the key ones is rewritten. */
const UPSERT_TAIL: Record<Dialect, Sql> = {
  mysql: raw(` ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${c} = VALUES(${c})`).join(', ')}`),
  sqlite: raw(` ON CONFLICT (partner_key, external_id) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`),
};

/** insertStatement rewriting the stored row of the same (publisher, externalId): an update of offers this transaction holds. */
function upsertStatement(dialect: Dialect, rows: ReadonlyArray<readonly unknown[]>): Sql {
  return sql`${insertStatement(rows)}${UPSERT_TAIL[dialect]}`;
}

function upsertValues(publisher: Publisher, row: ValidatedOffer['row'], publishedAt: Date): unknown[] {
  return offerWriteValues({
    partnerId: publisher.kind === 'AGENCY' ? null : publisher.partnerId,
    row: { ...row, publishedAt, status: 'ACTIVE' },
  });
}

/**
 * The write path for offers, shared by the upsertOffers/withdrawOffers mutations and the feed
 * importer. Per call, in ONE transaction (all or none; deadlocks and lock timeouts retried, rows
 * locked in externalId order): an item whose hash as sent equals the stored one on an ACTIVE offer
 * is UNCHANGED (no validation, no write); every other item is validated on its own (a bad one is
 * REJECTED with all its errors and never blocks the others) and the accepted ones are written.
 * With a batchId, the response is stored in the same transaction, so a retry replays it.
 */
export class IngestionService implements OfferIngestion {
  private readonly dialect: Dialect;

  private readonly executor: SqlExecutor;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
    this.executor = createSqlExecutor(dataSource);
  }
  /** Mutation.upsertOffers: the caller publishes as itself (a PARTNER key its partner's offers, AGENCY the agency's). */
  upsertOffersFor(scope: RequestScope, offers: OfferInput[], batchId?: string | null): Promise<UpsertOffersPayloadModel> {
    return this.upsertOffers(publisherOf(scope.viewer), offers, batchId, scope.now);
  }

  /** Mutation.withdrawOffers: the caller withdraws its own offers. */
  withdrawOffersFor(scope: RequestScope, externalIds: string[]): Promise<WithdrawOffersResult> {
    return this.withdrawOffers(publisherOf(scope.viewer), externalIds, scope.now);
  }

  private async assertPublisherActive(publisher: Publisher): Promise<void> {
    if (publisher.kind === 'AGENCY') return;
    const partner = await this.dataSource.getRepository(PartnerEntity).findOneBy({ id: publisher.partnerId });
    if (!partner) throw new NotFoundError('Your partner account no longer exists');
    if (partner.status !== 'ACTIVE') throw new ForbiddenError('Your partner account is suspended: offers cannot be published or withdrawn');
  }

  async upsertOffers(
    publisher: Publisher,
    offers: OfferInput[],
    batchId?: string | null,
    now: Date = new Date(),
  ): Promise<UpsertOffersPayloadModel> {
    if (offers.length > MAX_OFFERS_PER_CALL) {
      throw new BadUserInputError(
        `offers: at most ${MAX_OFFERS_PER_CALL} offers per call (got ${offers.length}); split the batch`,
        'offers',
      );
    }
    if (batchId !== null && batchId !== undefined && (batchId.length < 1 || batchId.length > 128)) {
      throw new BadUserInputError('batchId: 1 to 128 characters', 'batchId');
    }
    if (batchId && !isWellFormedKey(batchId)) {
      // Stored as UTF-8, a lone surrogate would become U+FFFD: two different batchIds the same one.
      throw new BadUserInputError(
        'batchId: holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape): not valid Unicode text',
        'batchId',
      );
    }
    await this.assertPublisherActive(publisher);
    const key = publisherKey(publisher);
    // Every item's content hash, once: it decides UNCHANGED and makes the batch's payload hash.
    const hashes = offers.map((input) => inputHash(input));
    const payloadHash = batchId ? payloadHashOf(hashes) : null;
    if (batchId) {
      const replay = await this.storedBatch(key, batchId, payloadHash!);
      if (replay) return replay;
    }

    // 1. Key and hash each item as sent; a later copy of an externalId in the same call is rejected,
    //    and so is an externalId no lookup could find again (not valid Unicode: REJECTED with every
    //    error the item has), so that neither reaches the database and the others go through.
    const { results, items } = keyItems(offers, hashes, publisher, now);
    // Rows are locked in externalId order, so concurrent calls take their locks in one order.
    items.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));

    // 2. A call whose every item is stored ACTIVE and unchanged (a partner re-sending its whole
    //    feed), apart from those rejected above, is answered from a plain read: no transaction, no
    //    row locks, nothing written but its batch record. Otherwise, in one transaction: what is
    //    stored unchanged stays as is; the rest is validated and written.
    const unchangedIds = items.length > 0 && items.every((i) => i.externalId) ? await this.idsIfAllUnchanged(key, items) : null;
    try {
      if (unchangedIds) {
        for (const { index, externalId } of items)
          results[index] = { externalId, status: 'UNCHANGED', offerId: unchangedIds.get(externalId)!, errors: [] };
        const payload = summarize(results);
        if (batchId) await withTransaction(this.dataSource, (tx) => this.storeBatch(tx, key, batchId, payloadHash!, payload, now));
        return payload;
      }
      return await this.writeOffers(async (tx) => {
        const stored = await this.lockExisting(
          tx,
          key,
          items.filter((i) => i.externalId).map((i) => i.externalId),
        );
        const toWrite = classify(items, stored, results, publisher, now);
        // New offers are plain INSERTs: one another call stored since the lookup above fails this
        // attempt (duplicate key), and the retry finds it stored (UPDATED or UNCHANGED, not CREATED).
        const created = toWrite.filter((w) => results[w.index].offerId === null);
        const updated = toWrite.filter((w) => results[w.index].offerId !== null);
        for (const chunk of chunks(created, ROWS_PER_STATEMENT)) {
          const rows = chunk.map((w) => upsertValues(publisher, w.offer.row, w.publishedAt));
          const ids = await tx.rows<{ id: number; external_id: string }>(sql`${insertStatement(rows)} RETURNING id, external_id`);
          const idOf = new Map(ids.map((r) => [r.external_id, Number(r.id)]));
          for (const w of chunk) results[w.index].offerId = idOf.get(w.offer.externalId)!;
        }
        for (const chunk of chunks(updated, ROWS_PER_STATEMENT)) {
          await tx.run(
            upsertStatement(
              this.dialect,
              chunk.map((w) => upsertValues(publisher, w.offer.row, w.publishedAt)),
            ),
          );
        }
        const payload = summarize(results);
        if (batchId) await this.storeBatch(tx, key, batchId, payloadHash!, payload, now);
        return payload;
      }, UPSERT_TRANSACTION);
    } catch (err) {
      if (batchId && isDuplicateKey(err)) {
        // A concurrent call with the same batchId committed first: answer as a retry would.
        const replay = await this.storedBatch(key, batchId, payloadHash!);
        if (replay) return replay;
      }
      throw err;
    }
  }

  /**
   * What upsertOffers would answer for these offers, without writing anything (the importer's
   * --dry-run): the same per-item statuses and errors, read from the committed offers without locks.
   */
  async previewOffers(publisher: Publisher, offers: OfferInput[], now: Date = new Date()): Promise<UpsertOffersPayloadModel> {
    if (offers.length > MAX_OFFERS_PER_CALL) {
      throw new BadUserInputError(
        `offers: at most ${MAX_OFFERS_PER_CALL} offers per call (got ${offers.length}); split the batch`,
        'offers',
      );
    }
    await this.assertPublisherActive(publisher);
    const key = publisherKey(publisher);
    const { results, items } = keyItems(
      offers,
      offers.map((input) => inputHash(input)),
      publisher,
      now,
    );
    const stored = new Map<string, StoredOffer>();
    for (const chunk of chunks([...new Set(items.map((i) => i.externalId).filter(Boolean))], KEYS_PER_LOOKUP)) {
      for (const row of await this.executor.all(
        sql`SELECT ${STORED_COLUMNS} FROM offer WHERE partner_key = ${key} AND external_id IN ${inList(chunk)}`,
      )) {
        const offer = storedFromRow(row);
        stored.set(offer.externalId, offer);
      }
    }
    classify(items, stored, results, publisher, now);
    return summarize(results);
  }

  /** The stored response of a batch, or null; a different payload under the same batchId is a CONFLICT. */
  private async storedBatch(key: number, batchId: string, payloadHash: string): Promise<UpsertOffersPayloadModel | null> {
    const rows = await queryPrimary<{ payload_hash: string; response: unknown }>(
      this.dataSource,
      sql`SELECT payload_hash, response FROM ingest_batch WHERE publisher_key = ${key} AND batch_id = ${batchId}`,
    );
    if (!rows.length) return null;
    if (rows[0].payload_hash !== payloadHash) {
      throw new ConflictError(`batchId "${batchId}" was already used with a different payload; use a new batchId for new content`);
    }
    const response = rows[0].response;
    return { ...((typeof response === 'string' ? JSON.parse(response) : response) as UpsertOffersPayloadModel), replayed: true };
  }

  private async storeBatch(
    tx: TxQuery,
    key: number,
    batchId: string,
    payloadHash: string,
    payload: UpsertOffersPayloadModel,
    now: Date,
  ): Promise<void> {
    await tx.run(
      sql`INSERT INTO ingest_batch (publisher_key, batch_id, payload_hash, response, created_at) VALUES (${key}, ${batchId}, ${payloadHash}, ${JSON.stringify(payload)}, ${toDbDateTime(now)})`,
    );
  }

  /** The publisher's stored offers among these externalIds; locked FOR UPDATE on MariaDB (SQLite: the transaction holds the only writer). */
  private async lockExisting(tx: TxQuery, key: number, externalIds: string[]): Promise<Map<string, StoredOffer>> {
    const found = new Map<string, StoredOffer>();
    const lock = raw(this.dialect === 'mysql' ? ' FOR UPDATE' : '');
    for (const chunk of chunks(externalIds, KEYS_PER_LOOKUP)) {
      const rows = await tx.rows(
        sql`SELECT ${STORED_COLUMNS} FROM offer WHERE partner_key = ${key} AND external_id IN ${inList(chunk)} ORDER BY external_id${lock}`,
      );
      for (const r of rows) found.set(r.external_id as string, storedFromRow(r));
    }
    return found;
  }

  /** withTransaction for writes to the offer stock: cached public counts are invalidated once it ends. */
  private writeOffers<T>(work: (tx: TxQuery) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    return withTransaction(this.dataSource, work, opts).finally(() => offerStockChanged(this.dataSource));
  }

  /** The stored ids of these items when every one is stored ACTIVE with the same input hash, else null. */
  private async idsIfAllUnchanged(
    key: number,
    items: ReadonlyArray<{ externalId: string; hash: string; input: OfferInput }>,
  ): Promise<Map<string, number> | null> {
    // A call of new or changed offers usually shows it on its first item: one point lookup then
    // spares the database the lookup of every externalId.
    const [first] = items;
    const probe = await this.executor.all(
      sql`SELECT ${STORED_COLUMNS} FROM offer WHERE partner_key = ${key} AND external_id = ${first.externalId}`,
    );
    if (probe.length === 0 || !isUnchanged(storedFromRow(probe[0]), first)) return null;
    const ids = new Map<string, number>();
    const byExternalId = new Map(items.map((i) => [i.externalId, i]));
    for (const chunk of chunks([...byExternalId.keys()], KEYS_PER_LOOKUP)) {
      for (const row of await this.executor.all(
        sql`SELECT ${STORED_COLUMNS} FROM offer WHERE partner_key = ${key} AND external_id IN ${inList(chunk)}`,
      )) {
        const stored = storedFromRow(row);
        // (A row not keyed as sent, which a database comparing ids other than byte for byte could
        // return, is a change to make: the transaction decides.)
        const item = byExternalId.get(stored.externalId);
        if (!item || !isUnchanged(stored, item)) return null;
        ids.set(stored.externalId, stored.id);
      }
    }
    return ids.size === byExternalId.size ? ids : null;
  }

  /**
   * Withdraws the publisher's offers of these externalIds, normalised as upsertOffers stores them
   * (normalizeExternalId: the same string names the same offer in both). An id that cannot be
   * stored (empty, not valid Unicode) is notFound without a lookup.
   */
  async withdrawOffers(publisher: Publisher, externalIds: string[], now: Date = new Date()): Promise<WithdrawOffersResult> {
    if (externalIds.length > MAX_OFFERS_PER_CALL) {
      throw new BadUserInputError(`externalIds: at most ${MAX_OFFERS_PER_CALL} per call (got ${externalIds.length})`, 'externalIds');
    }
    await this.assertPublisherActive(publisher);
    const key = publisherKey(publisher);
    const unique = [...new Set(externalIds.map((id) => normalizeExternalId(id) || String(id ?? '')))].sort();
    const storable = unique.filter((id) => normalizeExternalId(id) === id && id !== '' && isWellFormedKey(id));
    return this.writeOffers(async (tx) => {
      const stored = await this.lockExisting(tx, key, storable);
      const withdrawable = storable.filter((id) => stored.has(id) && stored.get(id)!.status !== 'WITHDRAWN');
      await this.markWithdrawn(tx, key, withdrawable, now);
      const withdrawnSet = new Set(withdrawable);
      return { withdrawn: withdrawable, notFound: unique.filter((id) => !withdrawnSet.has(id)) };
    });
  }

  /**
   * Full-feed sync: withdraws every ACTIVE offer of the publisher whose externalId is not in `keep`.
   * `guard` sees the plan (the publisher's ACTIVE offers and how many would go) inside the
   * transaction and may refuse it with a reason: then nothing is withdrawn. `dryRun` plans only.
   */
  async withdrawAllExcept(
    publisher: Publisher,
    keep: ReadonlySet<string>,
    options: SyncWithdrawalOptions = {},
    now: Date = new Date(),
  ): Promise<SyncWithdrawal> {
    await this.assertPublisherActive(publisher);
    const key = publisherKey(publisher);
    const plan = async (rows: (statement: Sql) => Promise<Array<{ external_id: string }>>) => {
      const active = await rows(sql`SELECT external_id FROM offer WHERE partner_key = ${key} AND status = 'ACTIVE' ORDER BY external_id`);
      const absent = active.map((r) => r.external_id).filter((id) => !keep.has(id));
      const refused = options.guard?.({ active: active.length, absent: absent.length }) ?? null;
      return { absent, active: active.length, refused };
    };
    if (options.dryRun) {
      const { absent, active, refused } = await plan((statement) => queryPrimary(this.dataSource, statement));
      return { externalIds: absent, active, refused, applied: false };
    }
    return this.writeOffers(async (tx) => {
      const { absent, active, refused } = await plan((statement) => tx.rows(statement));
      if (refused) return { externalIds: absent, active, refused, applied: false };
      await this.markWithdrawn(tx, key, absent, now);
      return { externalIds: absent, active, refused: null, applied: true };
    });
  }

  private async markWithdrawn(tx: TxQuery, key: number, externalIds: string[], now: Date): Promise<void> {
    for (const chunk of chunks(externalIds, KEYS_PER_LOOKUP)) {
      await tx.run(
        sql`UPDATE offer SET status = 'WITHDRAWN', updated_at = ${toDbDateTime(now)} WHERE partner_key = ${key} AND external_id IN ${inList(chunk)}`,
      );
    }
  }

  /** Marks ACTIVE offers past validThrough as EXPIRED (public search already hides them). Returns how many. */
  async expireOffers(now: Date = new Date()): Promise<number> {
    return this.writeOffers((tx) =>
      tx.run(
        sql`UPDATE offer SET status = 'EXPIRED', updated_at = ${toDbDateTime(now)} WHERE status = 'ACTIVE' AND valid_through IS NOT NULL AND valid_through <= ${toDbDateTime(now)}`,
      ),
    );
  }
}

/**
 * Keys and hashes each item of an upsert as sent: a later copy of an externalId in the same call is
 * REJECTED (DUPLICATE), and so is an externalId no lookup could find again (not valid Unicode:
 * REJECTED with every error the item has), so that neither reaches the database. Returns every
 * item's result (REJECTED until decided) and the items left to decide.
 */
function keyItems(
  offers: OfferInput[],
  hashes: readonly string[],
  publisher: Publisher,
  now: Date,
): { results: OfferUpsertResultModel[]; items: Array<{ index: number; input: OfferInput; externalId: string; hash: string }> } {
  const results: OfferUpsertResultModel[] = [];
  const items: Array<{ index: number; input: OfferInput; externalId: string; hash: string }> = [];
  const seen = new Set<string>();
  offers.forEach((input, index) => {
    const externalId = normalizeExternalId(input?.externalId);
    results.push({
      externalId: toWellFormedText(externalId || String(input?.externalId ?? '')),
      status: 'REJECTED',
      offerId: null,
      errors: [],
    });
    if (!isWellFormedKey(externalId)) {
      results[index].errors = validateOfferInput(input, publisher, now).errors;
      return;
    }
    if (externalId && seen.has(externalId)) {
      results[index].errors.push({
        field: 'externalId',
        code: 'DUPLICATE',
        message: `externalId "${externalId}" appears more than once in this call`,
      });
      return;
    }
    if (externalId) seen.add(externalId);
    items.push({ index, input, externalId, hash: hashes[index] });
  });
  return { results, items };
}

/**
 * Decides each item of an upsert against the stored offers (locked, or merely read for a preview):
 * UNCHANGED when stored ACTIVE from the same input, else validated: REJECTED with its errors, or
 * CREATED / UPDATED. Fills `results` in place and returns the items to write.
 */
function classify(
  items: ReadonlyArray<{ index: number; input: OfferInput; externalId: string; hash: string }>,
  stored: ReadonlyMap<string, StoredOffer>,
  results: OfferUpsertResultModel[],
  publisher: Publisher,
  now: Date,
): Array<{ index: number; offer: ValidatedOffer; publishedAt: Date }> {
  const toWrite: Array<{ index: number; offer: ValidatedOffer; publishedAt: Date }> = [];
  for (const item of items) {
    const { index, input, externalId, hash } = item;
    const existing = stored.get(externalId);
    if (existing && isUnchanged(existing, item)) {
      results[index] = { externalId, status: 'UNCHANGED', offerId: existing.id, errors: [] };
      continue;
    }
    const { offer, errors } = validateOfferInput(input, publisher, now);
    if (!offer) {
      results[index] = { externalId: results[index].externalId, status: 'REJECTED', offerId: null, errors };
      continue;
    }
    offer.row.contentHash = hash;
    const publishedAt = offer.row.publishedAt ?? (existing ? fromDbDateTime(existing.publishedAt) : now);
    results[index] = { externalId, status: existing ? 'UPDATED' : 'CREATED', offerId: existing?.id ?? null, errors: [] };
    toWrite.push({ index, offer, publishedAt });
  }
  return toWrite;
}

function summarize(results: OfferUpsertResultModel[]): UpsertOffersPayloadModel {
  const count = (status: OfferUpsertResultModel['status']) => results.filter((r) => r.status === status).length;
  return {
    created: count('CREATED'),
    updated: count('UPDATED'),
    unchanged: count('UNCHANGED'),
    rejected: count('REJECTED'),
    replayed: false,
    results,
  };
}

export type { InputErrorModel };
