import type { InputErrorModel, OfferInput } from '../ingestion.types';

/** The feed formats the importer reads. */
export const FEED_FORMATS = ['jsonld', 'indeed-xml', 'france-travail'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export function isFeedFormat(value: string): value is FeedFormat {
  return (FEED_FORMATS as readonly string[]).includes(value);
}

/**
 * One job of a feed, as a parser maps it. `problems` are what the mapping found wrong before any
 * validation (a contract type we cannot translate, a date that is not a date, a job abroad...):
 * every problem is a reason not to publish the item, so the importer reports an item with
 * problems as REJECTED and never sends it. `input` is null only when nothing sendable could be
 * built (no externalId, not an object).
 */
export interface FeedItem {
  /** Where the job is in the feed, for a human: "item 12 (line 340)". */
  position: string;
  externalId: string | null;
  input: OfferInput | null;
  problems: InputErrorModel[];
}

/** The feed itself is not well-formed (truncated JSON, broken XML): nothing after `line` can be read. */
export class FeedSyntaxError extends Error {
  override readonly name = 'FeedSyntaxError';

  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** 1-based; 0 when unknown. */
    readonly line: number,
    /** 1-based; null when unknown. */
    readonly column: number | null = null,
  ) {
    super(`${line > 0 ? `line ${line}${column !== null ? `, column ${column}` : ''}: ` : ''}${reason}`);
  }
}

export function feedPosition(item: number, line: number | null): string {
  return line ? `item ${item} (line ${line})` : `item ${item}`;
}

export function problem(field: string, code: string, message: string): InputErrorModel {
  return { field, code, message };
}
