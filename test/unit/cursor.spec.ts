import fc from 'fast-check';
import { decodeCandidateCursor, encodeCandidateCursor } from '../../src/candidates/candidate-filter';
import { CURSOR_INSTANT_RANGE, decodeCursor, encodeCursor, type CursorPosition } from '../../src/lib/cursor';
import { toDbDateTime } from '../../src/db/sql';
import { BadUserInputError } from '../../src/errors';

const SORTS: ReadonlyArray<CursorPosition['sort']> = ['PUBLISHED_DESC', 'RELEVANCE', 'DISTANCE'];
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** What a decoder's caller does with the key (offer-search.sql.ts): a date of it for PUBLISHED_DESC. */
function useKey(position: CursorPosition): unknown {
  return position.sort === 'PUBLISHED_DESC' ? toDbDateTime(new Date(position.key)) : position.key;
}

/** Decodes, then uses the key as the SQL builder does: the only error allowed is BAD_USER_INPUT. */
function outcome(decode: () => unknown): 'ok' | 'BAD_USER_INPUT' {
  try {
    decode();
    return 'ok';
  } catch (err) {
    if (err instanceof BadUserInputError && err.extensions.code === 'BAD_USER_INPUT') return 'BAD_USER_INPUT';
    throw err;
  }
}

// Fuzz: arbitrary strings, arbitrary base64url of arbitrary bytes, and well-shaped cursors with
// arbitrary numbers. Decoding and using the key either works or is BAD_USER_INPUT: never another error.
const numberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.stringMatching(/^-?[0-9.e+-]{1,30}$/),
);
const shaped = fc.tuple(
  fc.constantFrom('p', 'r', 'd', 'u', 'x', ''),
  numberText,
  fc.oneof(fc.nat().map(String), fc.stringMatching(/^[0-9]{1,20}$/)),
);
const cursors = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.uint8Array({ maxLength: 90 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  shaped.map(([tag, key, id]) => b64(`${tag}:${key}:${id}`)),
  shaped.map(([tag, key, id]) => Buffer.from(`${tag}:${key}:${id}`).toString('base64')),
);

describe('offer cursors', () => {
  it('round-trip every sort order', () => {
    const published = { sort: 'PUBLISHED_DESC' as const, key: Date.UTC(2026, 10, 20, 8, 30), id: 42 };
    expect(decodeCursor(encodeCursor(published), 'PUBLISHED_DESC')).toEqual(published);
    expect(decodeCursor(encodeCursor({ sort: 'RELEVANCE', key: 12.345678901234567, id: 7 }), 'RELEVANCE').key).toBe(12.345678901234567);
    expect(decodeCursor(encodeCursor({ sort: 'DISTANCE', key: 0.5, id: 9 }), 'DISTANCE')).toEqual({ sort: 'DISTANCE', key: 0.5, id: 9 });
  });

  it.each([
    ['an out-of-range date (issue 14)', 'p:1e16:1'],
    ['a date past year 9999', `p:${CURSOR_INSTANT_RANGE.max + 1}:1`],
    ['a date before year 1000', `p:${CURSOR_INSTANT_RANGE.min - 1}:1`],
    ['a fractional date', 'p:1764000000000.5:1'],
    ['an infinite score', 'r:1e999:1'],
    ['no number', 'p:--:1'],
    ['a zero id', 'p:1764000000000:0'],
    ['an id too long for a safe integer', 'p:1764000000000:1234567890123456'],
    ['another sort tag', 'x:1:1'],
    ['trailing text', 'p:1764000000000:1:2'],
  ])('refuse %s as BAD_USER_INPUT', (_name, text) => {
    expect(() => decodeCursor(b64(text), 'PUBLISHED_DESC')).toThrow(BadUserInputError);
    expect(() => decodeCursor(b64(text), 'RELEVANCE')).toThrow(BadUserInputError);
  });

  it('accept the extreme instants the database stores', () => {
    for (const key of [CURSOR_INSTANT_RANGE.min, CURSOR_INSTANT_RANGE.max]) {
      expect(useKey(decodeCursor(b64(`p:${key}:1`), 'PUBLISHED_DESC'))).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    }
  });

  it('fuzz: any string is a position or BAD_USER_INPUT', () => {
    fc.assert(
      fc.property(cursors, fc.constantFrom(...SORTS), (cursor, sort) => {
        expect(['ok', 'BAD_USER_INPUT']).toContain(outcome(() => useKey(decodeCursor(cursor, sort))));
      }),
      { numRuns: 5000, seed: 14 },
    );
  });

  it('fuzz: a decoded position re-encodes to a cursor that decodes the same', () => {
    fc.assert(
      fc.property(shaped, fc.constantFrom(...SORTS), ([tag, key, id], sort) => {
        let position: CursorPosition;
        try {
          position = decodeCursor(b64(`${tag}:${key}:${id}`), sort);
        } catch (err) {
          expect(err).toBeInstanceOf(BadUserInputError);
          return;
        }
        expect(decodeCursor(encodeCursor(position), sort)).toEqual(position);
      }),
      { numRuns: 5000, seed: 14 },
    );
  });
});

describe('candidate cursors', () => {
  it('round-trip', () => {
    const position = { updatedAt: Date.UTC(2026, 10, 20), id: 3 };
    expect(decodeCandidateCursor(encodeCandidateCursor(position))).toEqual(position);
  });

  it('refuse an instant past year 9999 as BAD_USER_INPUT', () => {
    expect(() => decodeCandidateCursor(b64('u:999999999999999:1'))).toThrow(BadUserInputError);
  });

  it('fuzz: any string is a position or BAD_USER_INPUT', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        expect(['ok', 'BAD_USER_INPUT']).toContain(outcome(() => toDbDateTime(new Date(decodeCandidateCursor(cursor).updatedAt))));
      }),
      { numRuns: 3000, seed: 14 },
    );
  });
});
