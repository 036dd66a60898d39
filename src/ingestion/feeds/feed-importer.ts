import type { Publisher } from '../../auth/viewer';
import type { Readable } from 'node:stream';
import {
  MAX_OFFERS_PER_CALL,
  type InputErrorModel,
  type OfferIngestion,
  type OfferInput,
  type OfferUpsertResultModel,
} from '../ingestion.types';
import { DETECTION_BYTES, detectFeedFormat } from './detect-format';
import { FEED_FORMATS, FeedSyntaxError, problem, type FeedFormat, type FeedItem } from './feed-item';
import { countBytes, maybeGunzip, peekStream } from './feed-source';
import { parseFranceTravailFeed } from './france-travail-feed';
import { parseIndeedXmlFeed } from './indeed-xml-feed';
import { parseJsonLdFeed } from './jsonld-feed';

/** Offers per upsertOffers call. */
export const MAX_IMPORT_BATCH = Math.min(1000, MAX_OFFERS_PER_CALL);
/** Rejections kept in the report (all are counted). */
export const KEPT_REJECTIONS = 100;
/** --sync withdraws nothing unless at least this share of the feed's items was accepted (docs/ingestion.md, "Feed import"). */
export const SYNC_MIN_ACCEPTED_SHARE = 0.5;
/** --sync withdraws nothing when it would take more than this share of the publisher's ACTIVE offers... */
export const SYNC_MAX_WITHDRAWN_SHARE = 0.5;
/** ...unless that is at most this many offers (a small catalogue may well halve). */
export const SYNC_SMALL_WITHDRAWAL = 10;

/**
 * Why a full-feed sync must not withdraw on the strength of this feed, or null when it may: a feed
 * mostly rejected, or one that would take most of the catalogue away, is far more often a broken
 * export than a board that closed its offers. `--force` overrides.
 */
export function syncRefusal(feed: { items: number; accepted: number }, plan?: { active: number; absent: number }): string | null {
  if (feed.items > 0 && feed.accepted / feed.items < SYNC_MIN_ACCEPTED_SHARE) {
    return `only ${feed.accepted} of the feed's ${feed.items} offers were accepted (under ${SYNC_MIN_ACCEPTED_SHARE * 100} %): nothing was withdrawn; fix the feed, or run again with --force to withdraw anyway`;
  }
  if (plan && plan.absent > SYNC_SMALL_WITHDRAWAL && plan.absent / plan.active > SYNC_MAX_WITHDRAWN_SHARE) {
    return `the feed would withdraw ${plan.absent} of the ${plan.active} active offers (over ${SYNC_MAX_WITHDRAWN_SHARE * 100} %): nothing was withdrawn; run again with --force if the catalogue really shrank`;
  }
  return null;
}

const PARSERS: Record<FeedFormat, (stream: Readable) => AsyncGenerator<FeedItem>> = {
  jsonld: parseJsonLdFeed,
  'indeed-xml': parseIndeedXmlFeed,
  'france-travail': parseFranceTravailFeed,
};

/** The feed's format could not be told from its start. */
export class FeedFormatError extends Error {
  override readonly name = 'FeedFormatError';
}

export interface FeedRejection {
  position: string;
  externalId: string | null;
  errors: InputErrorModel[];
}

export interface ImportReport {
  format: FeedFormat;
  /** Jobs found in the feed. */
  items: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Offers withdrawn by --sync (0 without it, when refused, or when the feed did not parse to its end); with dryRun, that would be. */
  withdrawn: number;
  /** --sync: the first externalIds withdrawn (or that would be, with dryRun), in order. */
  withdrawnIds: string[];
  /** Nothing was written: the counts say what would have been. */
  dryRun: boolean;
  /** Why --sync withdrew nothing although the feed was read to its end (see syncRefusal): the CLI exits non-zero. */
  syncRefused?: string;
  /** The first KEPT_REJECTIONS rejections, in feed order. */
  rejections: FeedRejection[];
  /** Every rejection counted by its first error: "location.postalCode REQUIRED" → 79. */
  rejectionCounts: Record<string, number>;
  /** upsertOffers calls made. */
  batches: number;
  /** Why --sync withdrew nothing although asked (an empty feed). */
  syncSkipped?: string;
  /** The feed stopped being readable here; the items before it were imported, --sync did nothing. */
  syntaxError?: { line: number; column: number | null; message: string };
}

export interface ImportFeedOptions {
  source: Readable;
  /** Overrides detection. */
  format?: FeedFormat;
  ingestion: OfferIngestion;
  publisher: Publisher;
  /** Offers per upsertOffers call, 1 to 1000. */
  batchSize?: number;
  /** Full-feed contract: withdraw the publisher's ACTIVE offers the feed does not list. */
  sync?: boolean;
  /** Withdraw even when syncRefusal objects. */
  force?: boolean;
  /** Write nothing; report what would be created, updated, rejected and withdrawn. */
  dryRun?: boolean;
  /** Bytes of `source` read so far (before any gunzip). */
  onProgress?: (bytesRead: number) => void;
  /** After each batch: the report so far. */
  onBatch?: (report: Readonly<ImportReport>) => void;
}

/**
 * Imports a feed through the ingestion service, the same path as the upsertOffers mutation:
 * - streams it (never reads the whole feed) and detects its format from the first KB;
 * - sends the mapped offers in batches of at most 1000, without a batchId: importing the same
 *   feed twice writes nothing (every offer comes back UNCHANGED by its content hash), and an
 *   import re-run after a crash completes what is missing (a replayed batchId would not restore
 *   offers withdrawn in between);
 * - an item whose mapping found a problem is REJECTED here and never sent (every mapping problem
 *   means the offer would be published wrong or not at all: see FeedItem), and so is a second
 *   item with an externalId already met in the feed (the first one is the offer);
 * - with `sync`, once the whole feed has been read without a syntax error, withdraws the
 *   publisher's ACTIVE offers whose externalId the feed does not list. Items of the feed that were
 *   rejected still count as listed: a job the partner still publishes keeps its last good version
 *   rather than disappearing. A truncated or malformed feed never withdraws anything, and neither
 *   does a feed mostly rejected or one that would take most of the catalogue (syncRefusal) unless
 *   `force`;
 * - with `dryRun`, writes nothing: the report says what would be created, updated, rejected and
 *   withdrawn.
 * A syntax error ends the import early but not in failure: the items before it are imported and
 * the report says where the feed broke. Anything else (database down) is thrown.
 */
export async function importFeed(options: ImportFeedOptions): Promise<ImportReport> {
  const { ingestion, publisher, sync = false, force = false, dryRun = false, onBatch } = options;
  const batchSize = options.batchSize ?? MAX_IMPORT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_IMPORT_BATCH) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_IMPORT_BATCH}, got ${batchSize}`);
  }

  const counted = options.onProgress ? countBytes(options.source, options.onProgress) : options.source;
  const inflated = await maybeGunzip(counted);
  const { head, stream } = await peekStream(inflated.stream, DETECTION_BYTES);
  const format = options.format ?? detectFeedFormat(head);
  if (!format) {
    stream.destroy();
    throw new FeedFormatError(`cannot tell the feed's format from its start; say it with --format (${FEED_FORMATS.join(', ')})`);
  }

  const report: ImportReport = {
    format,
    items: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    withdrawn: 0,
    withdrawnIds: [],
    dryRun,
    rejections: [],
    rejectionCounts: {},
    batches: 0,
  };
  const reject = (position: string, externalId: string | null, errors: InputErrorModel[]): void => {
    report.rejected++;
    const first = errors[0];
    const reason = first ? `${first.field} ${first.code}` : 'unknown';
    report.rejectionCounts[reason] = (report.rejectionCounts[reason] ?? 0) + 1;
    if (report.rejections.length < KEPT_REJECTIONS) report.rejections.push({ position, externalId, errors });
  };

  const seen = new Set<string>();
  // Items in feed order since the last batch: to send (input) or already rejected (errors), so that
  // rejections are reported in feed order whoever found them.
  let pending: Array<{ item: FeedItem; input: OfferInput | null; errors: InputErrorModel[] }> = [];
  let toSend = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const entries = pending;
    pending = [];
    toSend = 0;
    const inputs = entries.flatMap((e) => (e.input ? [e.input] : []));
    let results: OfferUpsertResultModel[] = [];
    if (inputs.length > 0) {
      const payload = dryRun ? await ingestion.previewOffers(publisher, inputs) : await ingestion.upsertOffers(publisher, inputs);
      if (payload.results.length !== inputs.length) {
        throw new Error(`the ingestion service answered ${payload.results.length} results for ${inputs.length} offers`);
      }
      results = payload.results;
      report.batches++;
    }
    let next = 0;
    for (const entry of entries) {
      if (!entry.input) {
        reject(entry.item.position, entry.item.externalId, entry.errors);
        continue;
      }
      const result = results[next++];
      switch (result.status) {
        case 'CREATED':
          report.created++;
          break;
        case 'UPDATED':
          report.updated++;
          break;
        case 'UNCHANGED':
          report.unchanged++;
          break;
        case 'REJECTED':
          reject(entry.item.position, entry.item.externalId, result.errors);
          break;
      }
    }
    if (inputs.length > 0) onBatch?.(report);
  };

  try {
    for await (const item of PARSERS[format](stream)) {
      report.items++;
      const problems = [...item.problems];
      if (item.externalId !== null) {
        if (seen.has(item.externalId)) {
          problems.push(
            problem('externalId', 'DUPLICATE', `externalId "${item.externalId}" appears earlier in this feed; the first one is the offer`),
          );
        }
        seen.add(item.externalId);
      }
      if (problems.length > 0 || item.input === null) {
        pending.push({
          item,
          input: null,
          errors: problems.length > 0 ? problems : [problem('item', 'UNMAPPABLE', 'nothing could be read from this item')],
        });
      } else {
        pending.push({ item, input: item.input, errors: [] });
        toSend++;
      }
      // A long run of rejected items is reported without waiting for a full batch.
      if (toSend >= batchSize || pending.length >= 10 * batchSize) await flush();
    }
  } catch (err) {
    if (!(err instanceof FeedSyntaxError)) throw err;
    report.syntaxError = { line: err.line, column: err.column, message: err.reason };
  }
  // Items read before a syntax error are sound: they are imported too.
  await flush();

  if (sync && !report.syntaxError) {
    if (report.items === 0) {
      // An empty feed is far more often a broken export than a board that closed every offer.
      report.syncSkipped = 'the feed lists no offer: nothing was withdrawn (withdraw explicitly if that is really meant)';
    } else {
      const feed = { items: report.items, accepted: report.created + report.updated + report.unchanged };
      const refusedUpFront = force ? null : syncRefusal(feed);
      if (refusedUpFront) {
        report.syncRefused = refusedUpFront;
      } else {
        const sync = await ingestion.withdrawAllExcept(publisher, seen, {
          dryRun,
          guard: force ? undefined : (plan) => syncRefusal(feed, plan),
        });
        if (sync.refused) report.syncRefused = sync.refused;
        else {
          report.withdrawn = sync.externalIds.length;
          report.withdrawnIds = sync.externalIds.slice(0, KEPT_REJECTIONS);
        }
      }
    }
  }
  return report;
}
