import crypto from 'node:crypto';
import { DaySketchCache } from '../../src/audience/day-sketch-cache';
import { HyperLogLog } from '../../src/lib/hyperloglog';

function sketchOf(from: number, to: number): HyperLogLog {
  const sketch = new HyperLogLog();
  for (let i = from; i < to; i++) {
    const digest = crypto.createHash('sha256').update(`v${i}`).digest();
    sketch.addHash(digest.readUInt32BE(0), digest.readUInt32BE(4));
  }
  return sketch;
}

describe('DaySketchCache', () => {
  const stored = sketchOf(0, 20_000).serialize();
  const delta = { id: 7, registers: sketchOf(20_000, 21_000).serialize() };

  it('builds a day from its stored sketch and deltas, and counts it', () => {
    const day = new DaySketchCache().get('0|2026-11-01', stored, [delta]);
    const expected = sketchOf(0, 21_000);
    expect(day.count).toBe(expected.count());
    expect(Buffer.from(day.sketch.registers).equals(Buffer.from(expected.registers))).toBe(true);
    expect(new DaySketchCache().get('k', null, []).count).toBe(0);
  });

  it('reuses a day only while its stored bytes and its delta ids are the same', () => {
    const cache = new DaySketchCache();
    const first = cache.get('0|2026-11-01', stored, [delta]);
    expect(cache.get('0|2026-11-01', Buffer.from(stored), [{ ...delta }])).toBe(first);
    // Folded: the deltas are in the stored sketch now, which changed.
    const folded = sketchOf(0, 21_000).serialize();
    const afterFold = cache.get('0|2026-11-01', folded, []);
    expect(afterFold).not.toBe(first);
    expect(afterFold.count).toBe(first.count);
    // A new delta, or none stored any more (erased), is a rebuild too.
    const more = cache.get('0|2026-11-01', folded, [{ id: 9, registers: sketchOf(21_000, 30_000).serialize() }]);
    expect(more.count).toBeGreaterThan(afterFold.count);
    expect(cache.get('0|2026-11-01', null, []).count).toBe(0);
    // Another key never answers for this one.
    expect(cache.get('3|2026-11-01', stored, [delta])).not.toBe(first);
  });

  it('keeps at most its bound of days, dropping the oldest', () => {
    const cache = new DaySketchCache(2);
    const a = cache.get('a', stored, []);
    cache.get('b', stored, []);
    cache.get('c', stored, []);
    expect(cache.get('a', stored, [])).not.toBe(a);
  });
});
