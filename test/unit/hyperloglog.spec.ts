import crypto from 'node:crypto';
import { HLL_PRECISION, HyperLogLog } from '../../src/lib/hyperloglog';

/** A deterministic 64-bit hash of element i (as the audience service feeds the sketch: HMAC bytes). */
function hashOf(i: number, salt = 'unit'): [number, number] {
  const digest = crypto.createHmac('sha256', salt).update(`visitor-${i}`).digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}

function sketchOf(from: number, to: number, salt?: string): HyperLogLog {
  const sketch = new HyperLogLog();
  for (let i = from; i < to; i++) sketch.addHash(...hashOf(i, salt));
  return sketch;
}

describe('HyperLogLog', () => {
  it('estimates within 2 % of the exact count from 1 to 200,000 distinct elements, duplicates ignored', () => {
    for (const n of [1, 7, 100, 1_000, 5_000, 20_000, 50_000, 100_000, 200_000]) {
      const sketch = sketchOf(0, n, `n${n}`);
      for (let i = 0; i < Math.min(n, 1000); i++) sketch.addHash(...hashOf(i, `n${n}`)); // repeats change nothing
      const error = Math.abs(sketch.count() - n) / n;
      expect({ n, withinTwoPercent: error <= 0.02 }).toEqual({ n, withinTwoPercent: true });
    }
  });

  it('is exact for tiny sets and zero when empty', () => {
    expect(new HyperLogLog().count()).toBe(0);
    expect(Math.round(sketchOf(0, 1).count())).toBe(1);
    expect(Math.round(sketchOf(0, 25).count())).toBe(25);
  });

  it('merges into the sketch of the union (overlapping sets count once)', () => {
    const a = sketchOf(0, 60_000);
    const b = sketchOf(40_000, 100_000);
    const union = sketchOf(0, 100_000);
    const merged = HyperLogLog.deserialize(a.serialize());
    expect(merged.merge(b)).toBe(true);
    expect(Buffer.from(merged.registers).equals(Buffer.from(union.registers))).toBe(true);
    expect(Math.abs(merged.count() - 100_000) / 100_000).toBeLessThan(0.02);
    expect(merged.merge(a)).toBe(false); // already contains a
  });

  it('serialises sparse while small and dense when full, and reads both back unchanged', () => {
    const small = sketchOf(0, 300);
    const large = sketchOf(0, 100_000);
    expect(small.serialize().length).toBeLessThan(1000);
    expect(large.serialize().length).toBe(2 + (1 << HLL_PRECISION));
    for (const sketch of [new HyperLogLog(), small, large]) {
      const copy = HyperLogLog.deserialize(sketch.serialize());
      expect(Buffer.from(copy.registers).equals(Buffer.from(sketch.registers))).toBe(true);
      expect(copy.count()).toBe(sketch.count());
    }
    expect(() => HyperLogLog.deserialize(Buffer.from([9, HLL_PRECISION]))).toThrow(/unknown sketch format/);
    expect(() => new HyperLogLog(HLL_PRECISION).merge(new HyperLogLog(12))).toThrow(/precision/);
  });

  it('takes the register from the first bits and the rank from the leading zeros of the rest', () => {
    const p = HLL_PRECISION;
    expect(HyperLogLog.position(0xffffffff, 0, p)).toEqual({ index: (1 << p) - 1, rank: 1 });
    expect(HyperLogLog.position(0, 0x80000000, p)).toEqual({ index: 0, rank: 32 - p + 1 });
    expect(HyperLogLog.position(0, 0, p)).toEqual({ index: 0, rank: 64 - p + 1 });
    expect(HyperLogLog.position(1 << (31 - p), 0, p)).toEqual({ index: 0, rank: 1 });
    expect(HyperLogLog.position(1, 0, p)).toEqual({ index: 0, rank: 32 - p });
  });
});
