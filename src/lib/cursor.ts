import { BadUserInputError } from '../errors';

/** Position of a row in one sort order: its sort key and its id (the tie-breaker). */
export interface CursorPosition {
  sort: 'PUBLISHED_DESC' | 'RELEVANCE' | 'DISTANCE';
  /** published_at in ms (PUBLISHED_DESC), score (RELEVANCE) or distance in km (DISTANCE). */
  key: number;
  id: number;
}

const SORT_TAGS = { PUBLISHED_DESC: 'p', RELEVANCE: 'r', DISTANCE: 'd' } as const;
const TAG_SORTS: Record<string, CursorPosition['sort']> = { p: 'PUBLISHED_DESC', r: 'RELEVANCE', d: 'DISTANCE' };

/**
 * The instants a cursor may hold, in ms: what both engines' DATETIME columns store (years 1000 to
 * 9999). Outside it a key is no date at all (`new Date(1e16)` is Invalid Date, its toISOString
 * throws) or one the database cannot compare (`+010000-01-01`): a forged cursor, not a 500.
 */
export const CURSOR_INSTANT_RANGE = { min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) } as const;

/** Whether `ms` is a whole number of ms within CURSOR_INSTANT_RANGE. */
export function isCursorInstant(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= CURSOR_INSTANT_RANGE.min && ms <= CURSOR_INSTANT_RANGE.max;
}

/** Opaque cursor: base64url of `<sort tag>:<key>:<id>`; the key keeps full double precision. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${SORT_TAGS[position.sort]}:${position.key}:${position.id}`).toString('base64url');
}

/** Decodes a cursor made by encodeCursor for this sort order; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, sort: CursorPosition['sort']): CursorPosition {
  const text = typeof cursor === 'string' && cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^([prd]):(-?[0-9.e+-]+):([1-9][0-9]{0,14})$/.exec(text);
  const key = match ? Number(match[2]) : NaN;
  // A publication date must be one the database can hold; scores and distances any finite number.
  const keyInRange = match?.[1] === 'p' ? isCursorInstant(key) : Number.isFinite(key);
  if (!match || !keyInRange) throw new BadUserInputError('after: malformed cursor (use a cursor returned by this API)', 'after');
  if (TAG_SORTS[match[1]] !== sort) {
    throw new BadUserInputError(`after: this cursor belongs to sort ${TAG_SORTS[match[1]]}, not ${sort}`, 'after');
  }
  return { sort, key, id: Number(match[3]) };
}
