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

/** Opaque cursor: base64url of `<sort tag>:<key>:<id>`; the key keeps full double precision. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${SORT_TAGS[position.sort]}:${position.key}:${position.id}`).toString('base64url');
}

/** Decodes a cursor made by encodeCursor for this sort order; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, sort: CursorPosition['sort']): CursorPosition {
  const text = cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^([prd]):(-?[0-9.e+-]+):([1-9][0-9]{0,14})$/.exec(text);
  const key = match ? Number(match[2]) : NaN;
  if (!match || !Number.isFinite(key)) throw new BadUserInputError('after: malformed cursor (use a cursor returned by this API)', 'after');
  if (TAG_SORTS[match[1]] !== sort) {
    throw new BadUserInputError(`after: this cursor belongs to sort ${TAG_SORTS[match[1]]}, not ${sort}`, 'after');
  }
  return { sort, key, id: Number(match[3]) };
}
