import { DEFAULT_SERVICE_SETTINGS } from '../config';
import crypto from 'node:crypto';
import type { RequestScope } from '../auth/request-scope';
import type { DataSource } from 'typeorm';
import { PartnerEntity } from '../../entities';
import type { Viewer } from '../auth/viewer';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { fromDbDateTimeOrNull, inList, raw, sql, toDbDateTime } from '../db/sql';
import { withTransaction } from '../db/transaction';
import { BadUserInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';
import type { OfferSearchService } from '../offers/offer-search.service';
import { SyndicationLog } from './syndication-log';
import {
  matchPredicate,
  normalizePreferences,
  offerMatches,
  parsePreferences,
  type SyndicationPreferencesInputShape,
} from './syndication-preferences';
import type {
  OfferChangeModel,
  PartnerSyndicationModel,
  SyndicationPageModel,
  SyndicationPreferences,
  SyndicationStatus,
  WebhookSecretModel,
} from './syndication.types';
import { dialectOf, type Dialect } from '../db/dialect';

/** Feed page size: default and maximum. */
export const FEED_DEFAULT_FIRST = 500;
export const FEED_MAX_FIRST = 1_000;

/** Where a reader is: at the start, after a log position, or inside a snapshot taken at log position `head`. */
export type FeedPosition = { kind: 'start' } | { kind: 'tail'; seq: number } | { kind: 'snapshot'; head: number; afterOfferId: number };

/** Opaque cursor: base64url of `b` (the start), `t:<seq>` or `s:<head>:<last offer id>`. */
export function encodeFeedCursor(position: FeedPosition): string {
  const text =
    position.kind === 'start' ? 'b' : position.kind === 'tail' ? `t:${position.seq}` : `s:${position.head}:${position.afterOfferId}`;
  return Buffer.from(text).toString('base64url');
}

export function decodeFeedCursor(cursor: string | null | undefined): FeedPosition {
  if (cursor === null || cursor === undefined) return { kind: 'start' };
  const text = cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (text === 'b') return { kind: 'start' };
  const tail = /^t:(0|[1-9][0-9]{0,15})$/.exec(text);
  if (tail) return { kind: 'tail', seq: Number(tail[1]) };
  const snapshot = /^s:(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15})$/.exec(text);
  if (snapshot) return { kind: 'snapshot', head: Number(snapshot[1]), afterOfferId: Number(snapshot[2]) };
  throw new BadUserInputError('after: malformed cursor (use a cursor returned by syndicationFeed)', 'after');
}

type Row = Record<string, unknown>;

function settingsFromRow(partnerId: number, r: Row | undefined): PartnerSyndicationModel {
  if (!r) {
    return {
      partnerId,
      enabled: false,
      preferences: null,
      webhookUrl: null,
      webhookPaused: false,
      failures: 0,
      nextAttemptAt: null,
      lastError: null,
      lastDeliveredAt: null,
      webhookCursor: null,
    };
  }
  return {
    partnerId,
    enabled: Boolean(Number(r.enabled)),
    preferences: parsePreferences(r.preferences),
    webhookUrl: (r.webhook_url as string | null) ?? null,
    webhookPaused: Boolean(Number(r.webhook_paused)),
    failures: Number(r.failures ?? 0),
    nextAttemptAt: fromDbDateTimeOrNull(r.next_attempt_at),
    lastError: (r.last_error as string | null) ?? null,
    lastDeliveredAt: fromDbDateTimeOrNull(r.last_delivered_at),
    webhookCursor: (r.webhook_cursor as string | null) ?? null,
  };
}

/** Partner.syndication's status: OFF, FEED (pull only), or the webhook's state. */
export function syndicationStatus(s: PartnerSyndicationModel): SyndicationStatus {
  if (!s.enabled) return 'OFF';
  if (!s.webhookUrl) return 'FEED';
  if (s.webhookPaused) return 'PAUSED';
  return s.failures > 0 ? 'RETRYING' : 'DELIVERING';
}

export interface WebhookUrlPolicy {
  /** Accept http://127.0.0.1 and http://localhost URLs (tests, local development); never in production. */
  allowLoopback: boolean;
}

/**
 * The agency's offers syndicated to partners (docs/syndication.md): each partner's choice
 * (opt-in and preferences), its pull feed over the change log (SyndicationLog), and its webhook
 * subscription's settings (deliveries: SyndicationDeliveryService).
 *
 * A feed entry says what the offer is NOW for this partner (read with the page): UPSERT with the
 * offer when it is an ACTIVE agency offer, not reserved for job seekers, matching the partner's
 * preferences; REMOVE otherwise. Reading every entry after a cursor, in order, therefore leaves the
 * reader with exactly its current set, whatever happened in between. A REMOVE may name an offer the
 * partner never had (it cannot know what the partner kept): ignore it.
 */
export class SyndicationService {
  readonly log: SyndicationLog;
  private readonly dialect: Dialect;
  private readonly executor: SqlExecutor;

  constructor(
    private readonly dataSource: DataSource,
    private readonly offers: OfferSearchService,
    private readonly urlPolicy: WebhookUrlPolicy = DEFAULT_SERVICE_SETTINGS.webhookUrlPolicy,
  ) {
    this.log = new SyndicationLog(dataSource);
    this.dialect = dialectOf(dataSource);
    this.executor = createSqlExecutor(dataSource);
  }

  private ownPartner(viewer: Viewer): number {
    if (viewer.role === 'PUBLIC')
      throw new UnauthenticatedError('The syndication feed needs a PARTNER API key (Authorization: Bearer <key>)');
    if (viewer.role !== 'PARTNER') throw new ForbiddenError('Only a partner has a syndication feed and preferences');
    return viewer.partnerId;
  }

  private async assertActivePartner(partnerId: number): Promise<PartnerEntity> {
    const partner = await this.dataSource.getRepository(PartnerEntity).findOneBy({ id: partnerId });
    if (!partner) throw new NotFoundError('Your partner account no longer exists');
    if (partner.status !== 'ACTIVE') throw new ForbiddenError('Your partner account is suspended: syndication is stopped');
    return partner;
  }

  /** Settings of these partners (Partner.syndication loader); a partner never configured is OFF. */
  async settingsByPartnerIds(ids: readonly number[]): Promise<Map<number, PartnerSyndicationModel>> {
    const result = new Map<number, PartnerSyndicationModel>();
    if (ids.length === 0) return result;
    const rows = await this.executor.all(sql`SELECT * FROM partner_syndication WHERE partner_id IN ${inList([...ids])}`);
    const byId = new Map(rows.map((r) => [Number(r.partner_id), r]));
    for (const id of ids) result.set(id, settingsFromRow(id, byId.get(id)));
    return result;
  }

  async settings(partnerId: number): Promise<PartnerSyndicationModel> {
    return (await this.settingsByPartnerIds([partnerId])).get(partnerId)!;
  }

  /** PARTNER: one page of its feed after `after` (null: from the start). */
  async feed(scope: RequestScope, after: string | null | undefined, first: number | null | undefined): Promise<SyndicationPageModel> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    const size = first ?? FEED_DEFAULT_FIRST;
    if (!Number.isInteger(size) || size < 1 || size > FEED_MAX_FIRST)
      throw new BadUserInputError(`first: must be between 1 and ${FEED_MAX_FIRST} (got ${size})`, 'first');
    const position = decodeFeedCursor(after);
    await this.assertActivePartner(partnerId);
    return this.page(partnerId, position, size, now);
  }

  /**
   * A page of a partner's feed from `position` (also what webhooks deliver). Not opted in: empty,
   * and the cursor stays where it was.
   */
  async page(partnerId: number, position: FeedPosition, first: number, now: Date = new Date()): Promise<SyndicationPageModel> {
    await this.log.sequence();
    const settings = await this.settings(partnerId);
    if (!settings.enabled || !settings.preferences)
      return { changes: [], endCursor: encodeFeedCursor(position), hasMore: false, reset: false };
    const prefs = settings.preferences;
    const state = await this.log.state();
    const at = position.kind === 'start' ? 0 : position.kind === 'tail' ? position.seq : position.head;
    if (at > state.head)
      throw new BadUserInputError('after: this cursor is ahead of the feed (use a cursor returned by syndicationFeed)', 'after');
    // From the start (no cursor), or from before the compaction horizon: a snapshot of the current
    // set, then the log from where the snapshot began (a new reader need not replay the history).
    if (position.kind === 'start' || (position.kind === 'tail' && position.seq < state.purgedThrough))
      return this.snapshotPage(prefs, { kind: 'snapshot', head: state.head, afterOfferId: 0 }, first, now, true);
    if (position.kind === 'snapshot') return this.snapshotPage(prefs, position, first, now, false);

    const entries = await this.log.entriesAfter(partnerId, position.seq, first + 1);
    // Compaction may have purged entries after the cursor while they were read: start over as a snapshot.
    const after = await this.log.state();
    if (position.seq < after.purgedThrough)
      return this.snapshotPage(prefs, { kind: 'snapshot', head: after.head, afterOfferId: 0 }, first, now, true);
    const page = entries.slice(0, first);
    const offers = page.length ? await this.offers.byIds([...new Set(page.map((e) => e.offerId))], now, { anyStatus: true }) : new Map();
    // One entry per offer and page (its last): they would all say the same, its state now.
    const last = new Map(page.map((e) => [e.offerId, e.seq]));
    const changes: OfferChangeModel[] = [];
    for (const entry of page) {
      if (last.get(entry.offerId) !== entry.seq) continue;
      const offer = offers.get(entry.offerId) ?? null;
      const upsert = offer !== null && offerMatches(prefs, offer);
      changes.push({
        cursor: encodeFeedCursor({ kind: 'tail', seq: entry.seq }),
        kind: upsert ? 'UPSERT' : 'REMOVE',
        offerId: entry.offerId,
        offer: upsert ? offer : null,
        occurredAt: entry.changedAt,
      });
    }
    const endCursor = page.length ? encodeFeedCursor({ kind: 'tail', seq: page[page.length - 1].seq }) : encodeFeedCursor(position);
    return { changes, endCursor, hasMore: entries.length > first || (await this.log.backlog(1)) > 0, reset: false };
  }

  /**
   * A snapshot page: the partner's current set by offer id, taken when the log stood at `head`;
   * after its last page the reader continues with the log after `head`, which holds every change
   * made since (an offer changed while the snapshot is read is fixed by those entries).
   */
  private async snapshotPage(
    prefs: SyndicationPreferences,
    position: Extract<FeedPosition, { kind: 'snapshot' }>,
    first: number,
    now: Date,
    reset: boolean,
  ): Promise<SyndicationPageModel> {
    const ids = (
      await this.executor.all(
        sql`SELECT o.id FROM offer o WHERE ${matchPredicate(prefs)} AND o.id > ${position.afterOfferId} ORDER BY o.id LIMIT ${first + 1}`,
      )
    ).map((r) => Number(r.id));
    const pageIds = ids.slice(0, first);
    const offers = pageIds.length ? await this.offers.byIds(pageIds, now, { anyStatus: true }) : new Map();
    const changes: OfferChangeModel[] = [];
    for (const id of pageIds) {
      const offer = offers.get(id);
      if (!offer || !offerMatches(prefs, offer)) continue; // changed since the id list was read: the tail says so
      changes.push({
        cursor: encodeFeedCursor({ ...position, afterOfferId: id }),
        kind: 'UPSERT',
        offerId: id,
        offer,
        occurredAt: offer.updatedAt,
      });
    }
    if (ids.length > first)
      return { changes, endCursor: encodeFeedCursor({ ...position, afterOfferId: pageIds[pageIds.length - 1] }), hasMore: true, reset };
    return { changes, endCursor: encodeFeedCursor({ kind: 'tail', seq: position.head }), hasMore: true, reset };
  }

  /**
   * PARTNER: opts in or out and chooses what it takes. In the same transaction, one entry for this
   * partner per offer that the change moves in or out of its set (an ACTIVE agency offer matching
   * exactly one of its last preferences and the new ones), so its feed moves it from the old set to
   * the new one. Opting out stops the feed (no REMOVEs are sent: drop what you hold, or keep your
   * cursor); opting in again continues from the partner's cursor, with the moves from the
   * preferences its feed last applied to the new ones. Preferences sent with enabled: false are
   * stored and take effect when the partner opts in.
   */
  async updatePreferences(scope: RequestScope, input: SyndicationPreferencesInputShape & { enabled: boolean }): Promise<PartnerEntity> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    const partner = await this.assertActivePartner(partnerId);
    const prefs = normalizePreferences(input);
    const lock = raw(this.dialect === 'mysql' ? ' FOR UPDATE' : '');
    await withTransaction(
      this.dataSource,
      async (tx) => {
        const [row] = await tx.rows(sql`SELECT applied_preferences FROM partner_syndication WHERE partner_id = ${partnerId}${lock}`);
        // The preferences the partner's feed last moved it to (null: it never opted in).
        const applied = row ? parsePreferences(row.applied_preferences ?? 'null') : null;
        const nextApplied = input.enabled ? prefs : applied;
        const [enabled, preferences, appliedPreferences, updatedAt] = [
          input.enabled ? 1 : 0,
          JSON.stringify(prefs),
          JSON.stringify(nextApplied),
          toDbDateTime(now),
        ];
        if (row)
          await tx.run(
            sql`UPDATE partner_syndication SET enabled = ${enabled}, preferences = ${preferences}, applied_preferences = ${appliedPreferences}, updated_at = ${updatedAt} WHERE partner_id = ${partnerId}`,
          );
        else
          await tx.run(
            sql`INSERT INTO partner_syndication (enabled, preferences, applied_preferences, updated_at, partner_id) VALUES (${enabled}, ${preferences}, ${appliedPreferences}, ${updatedAt}, ${partnerId})`,
          );
        // Not before the first opt-in: the partner has no cursor past the start yet (the feed gave it
        // none while it was out), and a read from the start is a snapshot of its set.
        if (!input.enabled || applied === null) return;
        const was = matchPredicate(applied);
        const will = matchPredicate(prefs);
        const moved = sql`SELECT o.id FROM offer o WHERE o.partner_id IS NULL AND (CASE WHEN ${was} THEN 1 ELSE 0 END) <> (CASE WHEN ${will} THEN 1 ELSE 0 END)`;
        await this.log.appendForPartner(tx, partnerId, moved, now);
      },
      { isolation: 'READ COMMITTED' },
    );
    return partner;
  }

  /** PARTNER: registers (or replaces) its webhook; returns the signing secret, shown this once. Deliveries start from `after` (null: the start). */
  async registerWebhook(scope: RequestScope, url: string, after: string | null | undefined): Promise<WebhookSecretModel> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    await this.assertActivePartner(partnerId);
    const href = this.checkWebhookUrl(url);
    const cursor = encodeFeedCursor(decodeFeedCursor(after));
    const secret = newSecret();
    const updated = await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET webhook_url = ${href}, webhook_secret = ${secret}, webhook_cursor = ${cursor}, webhook_paused = 0, failures = 0, next_attempt_at = NULL, last_error = NULL, updated_at = ${toDbDateTime(now)} WHERE partner_id = ${partnerId}`,
      ),
    );
    if (updated === 0) throw new BadUserInputError('Opt in first (updateSyndicationPreferences with enabled: true)', 'url');
    return { secret, partnerId };
  }

  /** PARTNER: a new signing secret, effective for the next delivery; the old one stops at once. */
  async rotateWebhookSecret(scope: RequestScope): Promise<WebhookSecretModel> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    const secret = newSecret();
    const updated = await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET webhook_secret = ${secret}, updated_at = ${toDbDateTime(now)} WHERE partner_id = ${partnerId} AND webhook_url IS NOT NULL`,
      ),
    );
    if (updated === 0) throw new NotFoundError('No webhook is registered');
    return { secret, partnerId };
  }

  /** PARTNER: resumes a paused (or retrying) webhook at once, from its cursor. */
  async resumeWebhook(scope: RequestScope): Promise<PartnerEntity> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    const partner = await this.assertActivePartner(partnerId);
    const updated = await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET webhook_paused = 0, failures = 0, next_attempt_at = NULL, updated_at = ${toDbDateTime(now)} WHERE partner_id = ${partnerId} AND webhook_url IS NOT NULL`,
      ),
    );
    if (updated === 0) throw new NotFoundError('No webhook is registered');
    return partner;
  }

  /** PARTNER: removes its webhook (the pull feed stays). */
  async removeWebhook(scope: RequestScope): Promise<PartnerEntity> {
    const { viewer, now } = scope;
    const partnerId = this.ownPartner(viewer);
    const partner = await this.assertActivePartner(partnerId);
    await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET webhook_url = NULL, webhook_secret = NULL, webhook_cursor = NULL, webhook_paused = 0, failures = 0, next_attempt_at = NULL, last_error = NULL, updated_at = ${toDbDateTime(now)} WHERE partner_id = ${partnerId}`,
      ),
    );
    return partner;
  }

  private checkWebhookUrl(text: string): string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new BadUserInputError('url: not a URL', 'url');
    }
    const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(loopback && this.urlPolicy.allowLoopback)) throw new BadUserInputError('url: must be https', 'url');
    if (url.username || url.password) throw new BadUserInputError('url: no credentials in the URL (verify the signature instead)', 'url');
    if (url.href.length > 500) throw new BadUserInputError('url: at most 500 characters', 'url');
    return url.href;
  }
}

/** 32 random bytes, prefixed so a leaked one is recognisable. */
function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}
