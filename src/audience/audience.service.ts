import { DEFAULT_SERVICE_SETTINGS } from '../config';
import crypto from 'node:crypto';
import type { RequestScope } from '../auth/request-scope';
import type { DataSource } from 'typeorm';
import { PartnerEntity, SITE_SCOPE } from '../../entities';
import { requireAgency, type Viewer } from '../auth/viewer';
import { inList, joinSql, raw, ROWS_PER_STATEMENT, sql, toDbDateTime, valueRows, type Sql } from '../db/sql';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { autocommitStatement, withTransaction, type TxQuery } from '../db/transaction';
import { chunks } from '../lib/chunks';
import { BadUserInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';
import { localIdOf } from '../lib/ids';
import {
  AUDIENCE_EVENT_TYPES,
  MAX_EVENTS_PER_CALL,
  MAX_REPORT_DAYS,
  MAX_VISITOR_ID_LENGTH,
  OFFER_AUDIENCE_DAYS,
  type AudienceCountsModel,
  type AudienceEventErrorModel,
  type AudienceEventInputModel,
  type AudiencePointModel,
  type AudienceReportModel,
  type AudienceReportRequest,
  type Granularity,
  type OfferAudienceModel,
  type RecordAudiencePayloadModel,
} from './audience.types';
import { DaySketchCache, type DaySketch } from './day-sketch-cache';
import { HyperLogLog } from '../lib/hyperloglog';
import { hashPeriodsOf, keySegmentsOf, oldestLiveKey } from './audience-keys';
import { addDays, daysBetween, daysInRange, isDay, monthEnd, parisDay, weekStart } from '../lib/paris-day';
import { dialectOf, type Dialect } from '../db/dialect';

/** [impressions, views, applyClicks], indexed like AUDIENCE_EVENT_TYPES. */
type Counts = [number, number, number];

export interface AudienceOptions {
  /** Events older than this many days are rejected (TOO_OLD); a month's key lives this long (and a day) after the month. */
  maxEventAgeDays?: number;
  /** Clock skew tolerated before an event counts as from the future. */
  futureToleranceMs?: number;
  /** The ingestion path folds a (scope, day)'s deltas once it appended this many (default COMPACT_AFTER_DELTAS). */
  foldAfterDeltas?: number;
}

const DEFAULT_FUTURE_TOLERANCE_MS = 5 * 60_000;
/** Sketch rows per statement: a dense one is 32 KiB, so 100 stay far under max_allowed_packet (16 MiB). */
const SKETCHES_PER_STATEMENT = 100;
/** Offer ids per IN (...) lookup. */
const IDS_PER_LOOKUP = 1000;
/** offer id -> partner id is immutable (offers never move nor get deleted): cached, bounded. */
const MAX_CACHED_OFFERS = 500_000;
const SECRET_PURGE_INTERVAL_MS = 3_600_000;
/** The serialized empty sketch, written as a placeholder to lock a (scope, day) row before reading it. */
const EMPTY_SKETCH = new HyperLogLog().serialize();
/**
 * A (scope, day)'s deltas are folded into its sketch by the ingestion path once this process
 * appended this many; the rest (quiet days, other processes' leftovers) by foldSketchDeltas(), which
 * the hub runs every minute. Reports merge the pending deltas anyway: folding only bounds them.
 */
const COMPACT_AFTER_DELTAS = 32;

/** A DATE column: text from SQLite, a Date at UTC midnight from mysql2 (timezone 'Z'). */
function dayFromDb(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

function toBuffer(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
}

/** `scope|day` (scope: 0, a partner id, or an offer id for the per-offer counters). */
function dayKey(scope: number, day: string): string {
  return `${scope}|${day}`;
}

function parseDayKey(key: string): { scope: number; day: string } {
  const [scope, day] = key.split('|');
  return { scope: Number(scope), day };
}

/** `scope|period|day`: one distinct-visitor sketch, that of a (scope, day) under the key of `period`. */
function sketchKey(scope: number, period: string, day: string): string {
  return `${scope}|${period}|${day}`;
}

interface SketchId {
  scope: number;
  period: string;
  day: string;
}

function parseSketchKey(key: string): SketchId {
  const [scope, period, day] = key.split('|');
  return { scope: Number(scope), period, day };
}

function compareSketchIds(a: SketchId, b: SketchId): number {
  return a.scope - b.scope || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0) || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0);
}

function addCounts(map: Map<string, Counts>, key: string, type: number): void {
  let counts = map.get(key);
  if (!counts) map.set(key, (counts = [0, 0, 0]));
  counts[type]++;
}

/**
 * Audience collection and reporting. Events are validated one by one (a bad one is rejected with
 * its reasons, never blocking the others), then folded in ONE transaction into daily counters per
 * offer and per scope (whole site, each partner) with additive upserts, and into the distinct-visitor
 * sketches of each (scope, day) as appended deltas (folded into the sketches every few batches).
 * Raw events and visitor ids are never stored: a visitor id only ever exists, in memory, as
 * HMAC-SHA-256(key, visitorId) under the one or two keys of its Paris day (audience-keys.ts), and is
 * kept only as HyperLogLog registers.
 * Reports read those aggregates (about one row per day), so their cost does not grow with offers.
 */
export class AudienceService {
  private readonly dialect: Dialect;
  private readonly executor: SqlExecutor;
  private readonly maxEventAgeDays: number;
  private readonly futureToleranceMs: number;
  private readonly foldAfterDeltas: number;
  private readonly offerPartners = new Map<number, number | null>();
  private readonly secrets = new Map<string, Buffer>();
  /** Deltas this process appended per (scope, day) since it last folded them. */
  private readonly pendingDeltas = new Map<string, number>();
  /** Reports' day sketches, rebuilt only when their stored bytes or pending deltas change. */
  private readonly daySketches = new DaySketchCache();
  private lastSecretPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    opts: AudienceOptions = {},
  ) {
    this.dialect = dialectOf(dataSource);
    this.executor = createSqlExecutor(dataSource);
    this.maxEventAgeDays = opts.maxEventAgeDays ?? DEFAULT_SERVICE_SETTINGS.audienceMaxEventAgeDays;
    this.futureToleranceMs = opts.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS;
    this.foldAfterDeltas = opts.foldAfterDeltas ?? COMPACT_AFTER_DELTAS;
  }

  // ------------------------------------------------------------------------------------------
  // Collection

  /**
   * AGENCY: records a batch of events (at most MAX_EVENTS_PER_CALL). Each event is kept or
   * rejected on its own: unknown offer, unknown type, date in the future or older than the
   * accepted window, empty or over-long visitorId. The kept ones are aggregated in one transaction.
   */
  async recordEvents(scope: RequestScope, events: readonly AudienceEventInputModel[]): Promise<RecordAudiencePayloadModel> {
    const { viewer, now } = scope;
    requireAgency(viewer);
    if (events.length > MAX_EVENTS_PER_CALL) {
      throw new BadUserInputError(
        `events: at most ${MAX_EVENTS_PER_CALL} events per call (got ${events.length}); split the batch`,
        'events',
      );
    }
    const today = parisDay(now);
    const oldestDay = addDays(today, -this.maxEventAgeDays);
    const latest = now.getTime() + this.futureToleranceMs;
    const errors: AudienceEventErrorModel[] = [];
    const candidates: Array<{ index: number; offerId: number; type: number; visitorId: string; day: string }> = [];

    events.forEach((event, index) => {
      const before = errors.length;
      const fail = (field: string, code: string, message: string) => errors.push({ index, field, code, message });
      const offerId = typeof event.offerId === 'string' ? localIdOf(event.offerId, 'Offer') : null;
      if (offerId === null) fail('offerId', 'INVALID_ID', `offerId: "${String(event.offerId).slice(0, 64)}" is not an Offer id`);
      const type = AUDIENCE_EVENT_TYPES.indexOf(event.type as (typeof AUDIENCE_EVENT_TYPES)[number]);
      if (type < 0)
        fail('type', 'UNKNOWN_TYPE', `type: "${String(event.type).slice(0, 64)}" is not one of ${AUDIENCE_EVENT_TYPES.join(', ')}`);
      const visitorId = event.visitorId;
      if (typeof visitorId !== 'string' || visitorId.length === 0) fail('visitorId', 'EMPTY', 'visitorId: must not be empty');
      else if (visitorId.length > MAX_VISITOR_ID_LENGTH)
        fail('visitorId', 'TOO_LONG', `visitorId: at most ${MAX_VISITOR_ID_LENGTH} characters`);
      const at = event.occurredAt instanceof Date ? event.occurredAt.getTime() : NaN;
      const day = Number.isNaN(at) ? '' : parisDay(at);
      if (Number.isNaN(at)) fail('occurredAt', 'INVALID', 'occurredAt: not a date-time');
      else if (at > latest) fail('occurredAt', 'FUTURE_DATE', 'occurredAt: in the future');
      else if (day < oldestDay) {
        fail(
          'occurredAt',
          'TOO_OLD',
          `occurredAt: at most ${this.maxEventAgeDays} days ago (Europe/Paris days): older events are no longer accepted`,
        );
      }
      if (errors.length === before) candidates.push({ index, offerId: offerId!, type, visitorId, day });
    });

    const partnerOf = await this.partnersOfOffers(candidates.map((c) => c.offerId));
    const accepted = candidates.filter((c) => {
      if (partnerOf.has(c.offerId)) return true;
      errors.push({ index: c.index, field: 'offerId', code: 'UNKNOWN_OFFER', message: 'offerId: no such offer' });
      return false;
    });
    errors.sort((a, b) => a.index - b.index);
    const rejected = new Set(errors.map((e) => e.index)).size;
    if (accepted.length === 0) return { accepted: 0, rejected, errors };

    // Fold the batch in memory: counters per (offer, day) and (scope, day), registers per (scope, day).
    const periodsOfDay = new Map<string, string[]>();
    for (const event of accepted) if (!periodsOfDay.has(event.day)) periodsOfDay.set(event.day, hashPeriodsOf(event.day));
    const secrets = await this.secretsFor([...new Set([...periodsOfDay.values()].flat())], now);
    const hashes = new Map<string, { index: number; rank: number }>();
    const offerCounts = new Map<string, Counts>();
    const scopeCounts = new Map<string, Counts>();
    const registerUpdates = new Map<string, Map<number, number>>();
    const raise = (key: string, index: number, rank: number) => {
      let updates = registerUpdates.get(key);
      if (!updates) registerUpdates.set(key, (updates = new Map()));
      if ((updates.get(index) ?? 0) < rank) updates.set(index, rank);
    };
    for (const event of accepted) {
      const partnerId = partnerOf.get(event.offerId) ?? null;
      addCounts(offerCounts, dayKey(event.offerId, event.day), event.type);
      addCounts(scopeCounts, dayKey(SITE_SCOPE, event.day), event.type);
      if (partnerId !== null) addCounts(scopeCounts, dayKey(partnerId, event.day), event.type);
      // Under each key of the day (two in the 31 days before a month starts), into that key's sketches.
      for (const period of periodsOfDay.get(event.day)!) {
        const hashKey = `${period}\u0000${event.visitorId}`;
        let position = hashes.get(hashKey);
        if (!position) {
          const digest = crypto.createHmac('sha256', secrets.get(period)!).update(event.visitorId, 'utf8').digest();
          position = HyperLogLog.position(digest.readUInt32BE(0), digest.readUInt32BE(4));
          hashes.set(hashKey, position);
        }
        raise(sketchKey(SITE_SCOPE, period, event.day), position.index, position.rank);
        if (partnerId !== null) raise(sketchKey(partnerId, period, event.day), position.index, position.rank);
      }
    }

    await withTransaction(this.dataSource, async (tx) => {
      // Counters in key order (concurrent batches lock shared rows in the same order); sketch
      // deltas are appended, so no batch ever reads, locks or rewrites a 32 KiB sketch.
      await this.addCounters(tx, 'audience_scope_day', 'scope', scopeCounts);
      await this.addCounters(tx, 'audience_offer_day', 'offer_id', offerCounts);
      await this.appendSketchDeltas(tx, registerUpdates);
    });
    for (const key of registerUpdates.keys()) this.pendingDeltas.set(key, (this.pendingDeltas.get(key) ?? 0) + 1);
    await this.compactDue();
    return { accepted: accepted.length, rejected, errors };
  }

  /** Partner of each existing offer (null for the agency's own); unknown offers are absent. */
  private async partnersOfOffers(offerIds: number[]): Promise<Map<number, number | null>> {
    const found = new Map<number, number | null>();
    const missing: number[] = [];
    for (const id of new Set(offerIds)) {
      if (this.offerPartners.has(id)) found.set(id, this.offerPartners.get(id)!);
      else missing.push(id);
    }
    for (const chunk of chunks(missing, IDS_PER_LOOKUP)) {
      for (const row of await this.executor.all(sql`SELECT id, partner_id FROM offer WHERE id IN ${inList(chunk)}`)) {
        const partnerId = row.partner_id === null || row.partner_id === undefined ? null : Number(row.partner_id);
        found.set(Number(row.id), partnerId);
        if (this.offerPartners.size >= MAX_CACHED_OFFERS) this.offerPartners.clear();
        this.offerPartners.set(Number(row.id), partnerId);
      }
    }
    return found;
  }

  /**
   * The visitor-hash key of each period (`YYYY-MM`, audience-keys.ts): a random 32-byte key stored on first use
   * (concurrent first uses agree: the insert is a no-op when another process won), then cached.
   */
  private async secretsFor(periods: string[], now: Date): Promise<Map<string, Buffer>> {
    await this.purgeExpiredSecrets(now, { onlyIfDue: true });
    const out = new Map<string, Buffer>();
    for (const period of periods) {
      let secret = this.secrets.get(period);
      if (!secret) {
        const read = async () =>
          (await this.executor.all(sql`SELECT secret FROM audience_secret WHERE period = ${period}`))[0]?.secret as string | undefined;
        let hex = await read();
        if (!hex) {
          const fresh = crypto.randomBytes(32).toString('hex');
          const insert = raw(this.dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO');
          await autocommitStatement(
            this.dataSource,
            sql`${insert} audience_secret (period, secret, created_at) VALUES (${period}, ${fresh}, ${toDbDateTime(now)})`,
          );
          hex = await read();
        }
        secret = Buffer.from(hex!, 'hex');
        this.secrets.set(period, secret);
      }
      out.set(period, secret);
    }
    return out;
  }

  /**
   * Deletes the keys that no accepted event can be hashed under any more (every day of their month
   * is older than the accepted window, plus a day): their sketches stay, unlinkable. Returns how
   * many were deleted. Runs at most hourly from the ingestion path; callable directly.
   */
  async purgeExpiredSecrets(now: Date = new Date(), opts: { onlyIfDue?: boolean } = {}): Promise<number> {
    if (opts.onlyIfDue && now.getTime() - this.lastSecretPurge < SECRET_PURGE_INTERVAL_MS) return 0;
    this.lastSecretPurge = now.getTime();
    const keepFrom = oldestLiveKey(parisDay(now), this.maxEventAgeDays);
    for (const period of this.secrets.keys()) if (period < keepFrom) this.secrets.delete(period);
    return withTransaction(this.dataSource, (tx) => tx.run(sql`DELETE FROM audience_secret WHERE period < ${keepFrom}`));
  }

  /** One sparse delta row per (scope, key, day) sketch the batch touched: the highest rank it saw per register. */
  private async appendSketchDeltas(tx: TxQuery, updates: Map<string, Map<number, number>>): Promise<void> {
    const rows = [...updates].map(([key, raises]) => ({ ...parseSketchKey(key), registers: HyperLogLog.serializeEntries(raises) }));
    for (const chunk of chunks(rows, SKETCHES_PER_STATEMENT)) {
      await tx.run(
        sql`INSERT INTO audience_sketch_delta (scope, period, day, registers) VALUES ${valueRows(chunk.map((r) => [r.scope, r.period, r.day, r.registers]))}`,
      );
    }
  }

  /**
   * Folds the (scope, day) sketches this process appended foldAfterDeltas deltas to. Runs
   * after the batch committed: a failure is logged and retried with a later batch, never reported
   * to the caller (whose events are stored; a retry would count them twice).
   */
  private async compactDue(): Promise<void> {
    const due = [...this.pendingDeltas].filter(([, n]) => n >= this.foldAfterDeltas).map(([key]) => key);
    if (!due.length) return;
    try {
      await this.compactSketches(due);
    } catch (err) {
      console.error('[audience] folding sketch deltas failed (retried with a later batch):', err instanceof Error ? err.message : err);
    }
  }

  /**
   * Folds every pending delta in the database, whichever process appended it, into its sketch.
   * The hub runs it every minute (main.ts); returns how many (scope, day) sketches it folded.
   */
  async foldSketchDeltas(): Promise<number> {
    const keys = (await this.executor.all(sql`SELECT DISTINCT scope, period, day FROM audience_sketch_delta`)).map((row) =>
      sketchKey(Number(row.scope), String(row.period), dayFromDb(row.day)),
    );
    if (keys.length) await this.compactSketches(keys);
    return keys.length;
  }

  /**
   * Merges the deltas of these (scope, day) sketches into the sketches, in one transaction. The
   * sketch rows are locked first (insert-or-touch: a write lock at once, in key order), so two
   * processes folding the same day take turns; the deltas are read without locks (batches keep
   * appending meanwhile) and exactly the rows read are deleted.
   */
  private async compactSketches(keyList: string[]): Promise<void> {
    const keys = keyList.map(parseSketchKey).sort(compareSketchIds);
    const mysql = this.dialect === 'mysql';
    const touch = raw(mysql ? 'ON DUPLICATE KEY UPDATE registers = registers' : 'ON CONFLICT (scope, period, day) DO NOTHING');
    const replace = raw(
      mysql
        ? 'ON DUPLICATE KEY UPDATE registers = VALUES(registers)'
        : 'ON CONFLICT (scope, period, day) DO UPDATE SET registers = excluded.registers',
    );
    await withTransaction(this.dataSource, async (tx) => {
      for (const chunk of chunks(keys, SKETCHES_PER_STATEMENT)) {
        const where = joinSql(
          chunk.map((k) => sql`(scope = ${k.scope} AND period = ${k.period} AND day = ${k.day})`),
          ' OR ',
        );
        await tx.run(
          sql`INSERT INTO audience_sketch (scope, period, day, registers) VALUES ${valueRows(chunk.map((k) => [k.scope, k.period, k.day, EMPTY_SKETCH]))} ${touch}`,
        );
        const sketches = new Map<string, HyperLogLog>();
        for (const row of await tx.rows(
          sql`SELECT scope, period, day, registers FROM audience_sketch WHERE ${where}${raw(mysql ? ' FOR UPDATE' : '')}`,
        )) {
          sketches.set(
            sketchKey(Number(row.scope), String(row.period), dayFromDb(row.day)),
            HyperLogLog.deserialize(toBuffer(row.registers)),
          );
        }
        const merged: number[] = [];
        const changed = new Set<string>();
        for (const row of await tx.rows(sql`SELECT id, scope, period, day, registers FROM audience_sketch_delta WHERE ${where}`)) {
          const key = sketchKey(Number(row.scope), String(row.period), dayFromDb(row.day));
          if (sketches.get(key)!.mergeSerialized(toBuffer(row.registers))) changed.add(key);
          merged.push(Number(row.id));
        }
        const rewritten = [...changed].map((key) => ({ ...parseSketchKey(key), registers: sketches.get(key)!.serialize() }));
        for (const part of chunks(rewritten, SKETCHES_PER_STATEMENT)) {
          await tx.run(
            sql`INSERT INTO audience_sketch (scope, period, day, registers) VALUES ${valueRows(part.map((r) => [r.scope, r.period, r.day, r.registers]))} ${replace}`,
          );
        }
        for (const ids of chunks(merged, IDS_PER_LOOKUP)) await tx.run(sql`DELETE FROM audience_sketch_delta WHERE id IN ${inList(ids)}`);
      }
    });
    for (const key of keyList) this.pendingDeltas.delete(key);
  }

  /** Adds counts to (key, day) rows of a counter table, creating them as needed, in key order. */
  private async addCounters(
    tx: TxQuery,
    table: 'audience_scope_day' | 'audience_offer_day',
    keyColumn: 'scope' | 'offer_id',
    counts: Map<string, Counts>,
  ): Promise<void> {
    const rows = [...counts]
      .map(([key, c]) => ({ ...parseDayKey(key), c }))
      .sort((a, b) => a.scope - b.scope || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const tail = raw(
      this.dialect === 'mysql'
        ? ' ON DUPLICATE KEY UPDATE impressions = impressions + VALUES(impressions), views = views + VALUES(views), apply_clicks = apply_clicks + VALUES(apply_clicks)'
        : ` ON CONFLICT (${keyColumn}, day) DO UPDATE SET impressions = impressions + excluded.impressions, views = views + excluded.views, apply_clicks = apply_clicks + excluded.apply_clicks`,
    );
    for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
      const values = valueRows(chunk.map((r) => [r.scope, r.day, r.c[0], r.c[1], r.c[2]]));
      await tx.run(sql`INSERT INTO ${raw(table)} (${raw(keyColumn)}, day, impressions, views, apply_clicks) VALUES ${values}${tail}`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reporting

  /**
   * Who may see which audience: a PARTNER its own (another partner's id is FORBIDDEN; none means
   * its own), the AGENCY any partner's or, with none, the whole site. Returns the scope to read.
   */
  async resolveScope(viewer: Viewer, partnerId: number | null): Promise<{ scope: number; partner: PartnerEntity | null }> {
    if (viewer.role === 'PUBLIC')
      throw new UnauthenticatedError('The audience needs a PARTNER or AGENCY API key (Authorization: Bearer <key>)');
    if (viewer.role === 'PARTNER' && partnerId !== null && partnerId !== viewer.partnerId) {
      throw new ForbiddenError('A partner sees its own audience only');
    }
    const id = viewer.role === 'PARTNER' ? viewer.partnerId : partnerId;
    if (id === null) return { scope: SITE_SCOPE, partner: null };
    const partner = await this.dataSource.getRepository(PartnerEntity).findOneBy({ id });
    if (!partner) throw new NotFoundError('No such partner');
    return { scope: partner.id, partner };
  }

  /** A partner by its code (report pages take `?partner=<code>`), or null. */
  partnerByCode(code: string): Promise<PartnerEntity | null> {
    return this.dataSource.getRepository(PartnerEntity).findOneBy({ code });
  }

  /** Checks a report's range: real days, from <= to, at most MAX_REPORT_DAYS days. */
  validateRange(from: string, to: string): void {
    if (!isDay(from)) throw new BadUserInputError('from: not a date (YYYY-MM-DD)', 'from');
    if (!isDay(to)) throw new BadUserInputError('to: not a date (YYYY-MM-DD)', 'to');
    if (to < from) throw new BadUserInputError('to: must not be before from', 'to');
    if (daysBetween(from, to) + 1 > MAX_REPORT_DAYS) {
      throw new BadUserInputError(`to: a report covers at most ${MAX_REPORT_DAYS} days (from and to included)`, 'to');
    }
  }

  /**
   * The audience of a partner (or the whole site) from `from` to `to` (Europe/Paris days, both
   * included): one point per day, ISO week (Monday first) or calendar month, clipped to the range,
   * with zeros for days without events; totals over the whole range. Unique visitors merge the
   * days' sketches under one key for any period of at most 31 days, so a returning visitor counts
   * once whatever month boundary it crosses; a longer period adds its calendar months' uniques
   * (audience-keys.ts, docs/audience.md).
   */
  async report(requestScope: RequestScope, request: AudienceReportRequest): Promise<AudienceReportModel> {
    const { viewer } = requestScope;
    const { scope, partner } = await this.resolveScope(viewer, request.partnerId);
    const { from, to, granularity } = request;
    this.validateRange(from, to);
    const points = periodsOf(from, to, granularity);
    const periods = [...new Set([{ start: from, end: to }, ...points].flatMap((p) => keySegmentsOf(p.start, p.end).map((s) => s.period)))];
    // Deltas before sketches: a fold committing in between then moves deltas already read into a
    // sketch read after it (merging twice is harmless), where the other order could miss them.
    const deltaRows = await this.executor.all(
      sql`SELECT id, period, day, registers FROM audience_sketch_delta WHERE scope = ${scope} AND period IN ${inList(periods)} AND day >= ${from} AND day <= ${to}`,
    );
    const [counterRows, sketchRows] = await Promise.all([
      this.executor.all(
        sql`SELECT day, impressions, views, apply_clicks FROM audience_scope_day WHERE scope = ${scope} AND day >= ${from} AND day <= ${to}`,
      ),
      this.executor.all(
        sql`SELECT period, day, registers FROM audience_sketch WHERE scope = ${scope} AND period IN ${inList(periods)} AND day >= ${from} AND day <= ${to}`,
      ),
    ]);
    const countsByDay = new Map<string, Counts>();
    for (const row of counterRows)
      countsByDay.set(dayFromDb(row.day), [Number(row.impressions), Number(row.views), Number(row.apply_clicks)]);
    const stored = new Map<string, Buffer>();
    for (const row of sketchRows) stored.set(sketchKey(scope, String(row.period), dayFromDb(row.day)), toBuffer(row.registers));
    const deltas = new Map<string, Array<{ id: number; registers: Buffer }>>();
    for (const row of deltaRows) {
      const key = sketchKey(scope, String(row.period), dayFromDb(row.day));
      let list = deltas.get(key);
      if (!list) deltas.set(key, (list = []));
      list.push({ id: Number(row.id), registers: toBuffer(row.registers) });
    }
    const sketches = new Map<string, DaySketch>();
    for (const key of new Set([...stored.keys(), ...deltas.keys()]))
      sketches.set(key, this.daySketches.get(key, stored.get(key) ?? null, deltas.get(key) ?? []));

    const summarize = (start: string, end: string): AudienceCountsModel => {
      const sum: Counts = [0, 0, 0];
      for (const day of daysInRange(start, end)) {
        const c = countsByDay.get(day);
        if (c) for (let i = 0; i < 3; i++) sum[i] += c[i];
      }
      let uniqueVisitors = 0;
      for (const segment of keySegmentsOf(start, end)) {
        const days = daysInRange(segment.from, segment.to).map((day) => sketches.get(sketchKey(scope, segment.period, day)));
        uniqueVisitors += Math.round(unionCount(days.filter((d): d is DaySketch => d !== undefined)));
      }
      return { impressions: sum[0], views: sum[1], applyClicks: sum[2], uniqueVisitors };
    };
    const series: AudiencePointModel[] = points.map(({ start, end }) => ({ periodStart: start, periodEnd: end, ...summarize(start, end) }));
    return { partner, from, to, granularity, series, totals: summarize(from, to) };
  }

  /** Offer.audience is shown to the offer's own partner and to the agency; others get null. */
  mayViewOfferAudience(scope: RequestScope, offerPartnerId: number | null): boolean {
    const { viewer } = scope;
    return viewer.role === 'AGENCY' || (viewer.role === 'PARTNER' && offerPartnerId !== null && viewer.partnerId === offerPartnerId);
  }

  /** Several offers' audience over the last OFFER_AUDIENCE_DAYS Paris days, in the order of offerIds (for the loader). */
  async offerAudience(offerIds: readonly number[], now: Date): Promise<OfferAudienceModel[]> {
    const to = parisDay(now);
    const from = addDays(to, -(OFFER_AUDIENCE_DAYS - 1));
    const sums = new Map<number, Counts>();
    for (const chunk of chunks([...new Set(offerIds)], IDS_PER_LOOKUP)) {
      const statement: Sql = sql`SELECT offer_id, SUM(impressions) AS impressions, SUM(views) AS views, SUM(apply_clicks) AS apply_clicks FROM audience_offer_day WHERE offer_id IN ${inList(chunk)} AND day >= ${from} AND day <= ${to} GROUP BY offer_id`;
      for (const row of await this.executor.all(statement))
        sums.set(Number(row.offer_id), [Number(row.impressions), Number(row.views), Number(row.apply_clicks)]);
    }
    return offerIds.map((id) => {
      const [impressions, views, applyClicks] = sums.get(id) ?? [0, 0, 0];
      return { from, to, impressions, views, applyClicks };
    });
  }
}

/** Distinct visitors of the union of some days: a single day's count is the one already computed. */
function unionCount(days: readonly DaySketch[]): number {
  if (days.length === 0) return 0;
  if (days.length === 1) return days[0].count;
  const union = new HyperLogLog();
  for (const day of days) union.merge(day.sketch);
  return union.count();
}

/** The periods of a range: days, ISO weeks or calendar months, each clipped to [from, to]. */
export function periodsOf(from: string, to: string, granularity: Granularity): Array<{ start: string; end: string }> {
  const periods: Array<{ start: string; end: string }> = [];
  let start = from;
  while (start <= to) {
    let end: string;
    switch (granularity) {
      case 'DAY':
        end = start;
        break;
      case 'WEEK':
        end = addDays(weekStart(start), 6);
        break;
      case 'MONTH':
        end = monthEnd(start);
        break;
    }
    if (end > to) end = to;
    periods.push({ start, end });
    start = addDays(end, 1);
  }
  return periods;
}
