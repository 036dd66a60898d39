import crypto from 'node:crypto';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import { DEFAULT_SERVICE_SETTINGS, type ServiceSettings } from '../config';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { raw, sql, toDbDateTime } from '../db/sql';
import { withTransaction, writeStatement } from '../db/transaction';
import { toGlobalId } from '../lib/ids';
import type { OfferModel } from '../offers/offer-search.types';
import { decodeFeedCursor, type SyndicationService } from './syndication.service';
import type { SyndicationPageModel } from './syndication.types';

export interface DeliveryOptions {
  /** Changes per POST. */
  batchSize: number;
  /** A receiver slower than this fails the delivery. */
  timeoutMs: number;
  /** How long a process owns a subscription after claiming it (renewed after each delivery). */
  leaseMs: number;
  /** Consecutive failures after which the subscription is paused. */
  maxFailures: number;
  /** Backoff after the first failure; doubles with each further one, up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Batches one subscription may send per run before the others get their turn. */
  maxBatchesPerRun: number;
  /** This process's name in leases. */
  owner: string;
  clock: () => Date;
  random: () => number;
}

/** The delivery options of a hub: the configured ones (SYNDICATION_WEBHOOK_*) and the fixed rest. */
export function deliveryOptions(
  configured: ServiceSettings['webhookDelivery'] = DEFAULT_SERVICE_SETTINGS.webhookDelivery,
): DeliveryOptions {
  return {
    ...configured,
    leaseMs: 60_000,
    baseBackoffMs: 1_000,
    maxBackoffMs: 10 * 60_000,
    maxBatchesPerRun: 50,
    owner: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`,
    clock: () => new Date(),
    random: Math.random,
  };
}

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/syndication.md). */
export const SIGNATURE_HEADER = 'passerelle-signature';

export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Backoff before the next try after `failures` consecutive failures: exponential, "equal jitter" (half fixed, half random). */
export function backoffMs(failures: number, opts: Pick<DeliveryOptions, 'baseBackoffMs' | 'maxBackoffMs' | 'random'>): number {
  const ceiling = Math.min(opts.maxBackoffMs, opts.baseBackoffMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (opts.random() * ceiling) / 2);
}

/** An offer as a webhook carries it (the GraphQL Offer's main fields, plain JSON). */
export function offerPayload(o: OfferModel): Record<string, unknown> {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: toGlobalId('Offer', o.id),
    externalId: o.externalId,
    title: o.title,
    description: o.description,
    romeCode: o.romeCode,
    contractType: o.contractType,
    fullTime: o.fullTime,
    experienceLevel: o.experienceLevel,
    employer: { name: o.employerName, url: o.employerUrl },
    location: {
      label: o.locationLabel,
      communeCode: o.communeCode,
      postalCode: o.postalCode,
      city: o.city,
      departmentCode: o.departmentCode,
      regionCode: o.regionCode,
      latitude: o.latitude,
      longitude: o.longitude,
    },
    salary: { min: o.salaryMin, max: o.salaryMax, currency: o.salaryCurrency, period: o.salaryPeriod, label: o.salaryLabel },
    applyUrl: o.applyUrl,
    publishedAt: iso(o.publishedAt),
    updatedAt: iso(o.updatedAt),
    validThrough: iso(o.validThrough),
  };
}

export function webhookBody(partnerId: number, after: string, page: SyndicationPageModel): string {
  return JSON.stringify({
    partner: toGlobalId('Partner', partnerId),
    after,
    cursor: page.endCursor,
    reset: page.reset,
    hasMore: page.hasMore,
    changes: page.changes.map((c) => ({
      cursor: c.cursor,
      kind: c.kind,
      offerId: toGlobalId('Offer', c.offerId),
      occurredAt: c.occurredAt.toISOString(),
      offer: c.offer ? offerPayload(c.offer) : null,
    })),
  });
}

type Outcome = { ok: true } | { ok: false; error: string };

/**
 * Webhook deliveries of the syndication feed (docs/syndication.md): at least once, in feed
 * order, each POST carrying its cursor. The cursor is stored in the database after each
 * acknowledged batch (2xx), so deliveries survive a restart; a process owns a subscription through
 * a lease in its row while it delivers, so two hub processes never deliver the same subscription at
 * once. A failure (non-2xx, network error, timeout, redirect) is retried after an exponential
 * backoff with jitter; after maxFailures in a row the subscription is paused, with the reason in
 * Partner.syndication.lastError, until the partner resumes it (from its cursor).
 */
export class SyndicationDeliveryService {
  private readonly executor: SqlExecutor;
  private running: Promise<number> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly syndication: SyndicationService,
    readonly options: DeliveryOptions = deliveryOptions(),
  ) {
    this.executor = createSqlExecutor(dataSource);
  }

  /** One round: every due subscription (not paused, backoff over, lease free) gets its pending batches. Returns the batches delivered. */
  async runOnce(): Promise<number> {
    if (this.running) return this.running;
    const run = (async () => {
      const now = this.options.clock();
      const due = await this.executor.all(
        sql`SELECT s.partner_id FROM partner_syndication s JOIN partner p ON p.id = s.partner_id WHERE s.enabled = 1 AND s.webhook_url IS NOT NULL AND s.webhook_paused = 0 AND p.status = 'ACTIVE' AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= ${toDbDateTime(now)}) AND (s.lease_until IS NULL OR s.lease_until < ${toDbDateTime(now)})`,
      );
      const delivered = await Promise.all(due.map((r) => this.deliver(Number(r.partner_id))));
      return delivered.reduce((a, b) => a + b, 0);
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private async claim(partnerId: number): Promise<boolean> {
    const now = this.options.clock();
    const claimed = await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET lease_owner = ${this.options.owner}, lease_until = ${toDbDateTime(new Date(now.getTime() + this.options.leaseMs))} WHERE partner_id = ${partnerId} AND (lease_until IS NULL OR lease_until < ${toDbDateTime(now)})`,
      ),
    );
    return claimed === 1;
  }

  private async release(partnerId: number): Promise<void> {
    await writeStatement(
      this.dataSource,
      sql`UPDATE partner_syndication SET lease_owner = NULL, lease_until = NULL WHERE partner_id = ${partnerId} AND lease_owner = ${this.options.owner}`,
    );
  }

  /** Delivers one subscription's pending batches while it owns its lease; returns how many were acknowledged. */
  private async deliver(partnerId: number): Promise<number> {
    if (!(await this.claim(partnerId))) return 0;
    let delivered = 0;
    try {
      for (let i = 0; i < this.options.maxBatchesPerRun; i++) {
        const [row] = await this.executor.all(
          sql`SELECT webhook_url, webhook_secret, webhook_cursor, failures, lease_owner FROM partner_syndication WHERE partner_id = ${partnerId}`,
        );
        if (!row?.webhook_url || row.lease_owner !== this.options.owner) break;
        const after = String(row.webhook_cursor);
        const page = await this.syndication.page(partnerId, decodeFeedCursor(after), this.options.batchSize, this.options.clock());
        if (page.changes.length === 0 && !page.reset) {
          // Nothing to send (caught up, or a snapshot's last page): move the cursor on only.
          if (page.endCursor !== after && !(await this.acknowledge(partnerId, page.endCursor, false))) break;
          if (!page.hasMore || page.endCursor === after) break;
          continue;
        }
        const outcome = await this.post(String(row.webhook_url), String(row.webhook_secret), webhookBody(partnerId, after, page));
        if (!outcome.ok) {
          await this.recordFailure(partnerId, Number(row.failures) + 1, outcome.error);
          break;
        }
        if (!(await this.acknowledge(partnerId, page.endCursor, true))) break; // lease lost: another process owns it now
        delivered++;
        if (!page.hasMore) break;
      }
    } finally {
      await this.release(partnerId);
    }
    return delivered;
  }

  /** Stores the new cursor (and a successful delivery), renewing the lease; false if this process no longer owns it. */
  private async acknowledge(partnerId: number, cursor: string, delivered: boolean): Promise<boolean> {
    const now = this.options.clock();
    const updated = await withTransaction(this.dataSource, (tx) =>
      tx.run(
        sql`UPDATE partner_syndication SET webhook_cursor = ${cursor}, lease_until = ${toDbDateTime(new Date(now.getTime() + this.options.leaseMs))}${delivered ? sql`, failures = 0, next_attempt_at = NULL, last_error = NULL, last_delivered_at = ${toDbDateTime(now)}` : raw('')} WHERE partner_id = ${partnerId} AND lease_owner = ${this.options.owner}`,
      ),
    );
    return updated === 1;
  }

  private async recordFailure(partnerId: number, failures: number, error: string): Promise<void> {
    const now = this.options.clock();
    const paused = failures >= this.options.maxFailures;
    const next = new Date(now.getTime() + backoffMs(failures, this.options));
    const reason = paused ? `Paused after ${failures} failed deliveries in a row; last: ${error}` : error;
    await writeStatement(
      this.dataSource,
      sql`UPDATE partner_syndication SET failures = ${failures}, webhook_paused = ${paused ? 1 : 0}, next_attempt_at = ${paused ? null : toDbDateTime(next)}, last_error = ${reason.slice(0, 1000)} WHERE partner_id = ${partnerId} AND lease_owner = ${this.options.owner}`,
    );
  }

  private async post(url: string, secret: string, body: string): Promise<Outcome> {
    const timestamp = Math.floor(this.options.clock().getTime() / 1000);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Passerelle-Syndication/1',
          [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
          'passerelle-delivery': crypto.randomUUID(),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined); // drain: frees the connection
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status} from the webhook` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return { ok: false, error: `No answer within ${this.options.timeoutMs} ms` };
      return { ok: false, error: `Could not reach the webhook: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
    }
  }
}
