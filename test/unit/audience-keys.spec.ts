import { hashPeriodsOf, KEY_OVERLAP_DAYS, keySegmentsOf, oldestLiveKey } from '../../src/audience/audience-keys';
import { addDays, daysInRange } from '../../src/lib/paris-day';

describe('audience visitor-hash keys', () => {
  it('hashes a day under its month, and under each later month starting within 30 days', () => {
    expect(hashPeriodsOf('2026-12-01')).toEqual(['2026-12']); // 31 days before 1 January
    expect(hashPeriodsOf('2026-12-02')).toEqual(['2026-12', '2027-01']);
    expect(hashPeriodsOf('2026-11-30')).toEqual(['2026-11', '2026-12']);
    expect(hashPeriodsOf('2026-11-01')).toEqual(['2026-11', '2026-12']); // 30 days before 1 December
    expect(hashPeriodsOf('2027-01-29')).toEqual(['2027-01', '2027-02']); // 1 March is 31 days later
    expect(hashPeriodsOf('2027-01-30')).toEqual(['2027-01', '2027-02', '2027-03']); // 30 days: February is short
    expect(hashPeriodsOf('2028-01-30')).toEqual(['2028-01', '2028-02']); // leap year: 1 March 2028 is 31 days later
  });

  it('reads every range of up to 31 days under one key that hashed all of its days, whatever boundary it crosses', () => {
    // Every range of 1 to 31 days starting on each day of three years (leap year, year ends included).
    const keysOf = new Map(daysInRange('2025-12-01', '2029-02-01').map((day) => [day, hashPeriodsOf(day)]));
    for (const start of daysInRange('2026-01-01', '2028-12-31')) {
      for (let length = 1; length <= KEY_OVERLAP_DAYS; length++) {
        const end = addDays(start, length - 1);
        const segments = keySegmentsOf(start, end);
        expect(segments).toHaveLength(1);
        const [{ period, from, to }] = segments;
        expect([from, to]).toEqual([start, end]);
        for (const day of daysInRange(start, end))
          if (!keysOf.get(day)!.includes(period)) throw new Error(`${start}..${end}: ${day} not hashed under ${period}`);
      }
    }
  });

  it('cuts a longer range into calendar months, each under its own key', () => {
    expect(keySegmentsOf('2026-11-20', '2027-01-05')).toEqual([
      { period: '2026-11', from: '2026-11-20', to: '2026-11-30' },
      { period: '2026-12', from: '2026-12-01', to: '2026-12-31' },
      { period: '2027-01', from: '2027-01-01', to: '2027-01-05' },
    ]);
  });

  it('keeps a key until no accepted event can be hashed under it', () => {
    // 7-day window: on 8 December, an event of 30 November (8 days ago) is refused, so November's key can go.
    expect(oldestLiveKey('2026-12-08', 7)).toBe('2026-11');
    expect(oldestLiveKey('2026-12-09', 7)).toBe('2026-12');
    expect(oldestLiveKey('2027-01-05', 7)).toBe('2026-12');
  });
});
