import { periodsOf } from '../../src/audience/audience.service';
import { addDays, daysInRange, isDay, monthEnd, parisDay, parisDayBounds, weekStart } from '../../src/lib/paris-day';

describe('Europe/Paris days', () => {
  it.each([
    // winter (UTC+1): midnight is 23:00 UTC the day before
    ['2025-01-15T22:59:59.999Z', '2025-01-15'],
    ['2025-01-15T23:00:00.000Z', '2025-01-16'],
    // summer (UTC+2): midnight is 22:00 UTC the day before
    ['2025-07-14T21:59:59.999Z', '2025-07-14'],
    ['2025-07-14T22:00:00.000Z', '2025-07-15'],
    // spring forward, Sunday 30 March 2025 (02:00 -> 03:00 local, at 01:00 UTC)
    ['2025-03-29T22:59:59.999Z', '2025-03-29'],
    ['2025-03-29T23:00:00.000Z', '2025-03-30'],
    ['2025-03-30T00:59:59.999Z', '2025-03-30'],
    ['2025-03-30T01:00:00.000Z', '2025-03-30'],
    ['2025-03-30T21:59:59.999Z', '2025-03-30'],
    ['2025-03-30T22:00:00.000Z', '2025-03-31'],
    // fall back, Sunday 26 October 2025 (03:00 -> 02:00 local, at 01:00 UTC)
    ['2025-10-25T21:59:59.999Z', '2025-10-25'],
    ['2025-10-25T22:00:00.000Z', '2025-10-26'],
    ['2025-10-26T22:59:59.999Z', '2025-10-26'],
    ['2025-10-26T23:00:00.000Z', '2025-10-27'],
    // new year's eve
    ['2025-12-31T22:59:59.999Z', '2025-12-31'],
    ['2025-12-31T23:00:00.000Z', '2026-01-01'],
  ])('%s is on %s in Paris', (instant, day) => {
    expect(parisDay(new Date(instant))).toBe(day);
    expect(parisDay(Date.parse(instant))).toBe(day); // again, through the per-hour cache
  });

  it('knows how long each day lasts: 23 hours in spring, 25 in autumn', () => {
    const hours = (day: string) => {
      const { start, end } = parisDayBounds(day);
      return (end.getTime() - start.getTime()) / 3_600_000;
    };
    expect(parisDayBounds('2025-03-30')).toEqual({ start: new Date('2025-03-29T23:00:00Z'), end: new Date('2025-03-30T22:00:00Z') });
    expect(hours('2025-03-30')).toBe(23);
    expect(parisDayBounds('2025-10-26')).toEqual({ start: new Date('2025-10-25T22:00:00Z'), end: new Date('2025-10-26T23:00:00Z') });
    expect(hours('2025-10-26')).toBe(25);
    expect(hours('2025-07-14')).toBe(24);
    expect(hours('2025-01-15')).toBe(24);
  });

  it('does calendar arithmetic on day strings', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(daysInRange('2025-12-30', '2026-01-02')).toEqual(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(weekStart('2025-03-30')).toBe('2025-03-24'); // a Sunday belongs to the week of the Monday before
    expect(weekStart('2025-03-31')).toBe('2025-03-31');
    expect(monthEnd('2024-02-10')).toBe('2024-02-29');
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2024-2-9')).toBe(false);
  });

  it('cuts a range into days, ISO weeks or months, clipped to the range', () => {
    expect(periodsOf('2025-03-28', '2025-03-30', 'DAY')).toEqual([
      { start: '2025-03-28', end: '2025-03-28' },
      { start: '2025-03-29', end: '2025-03-29' },
      { start: '2025-03-30', end: '2025-03-30' },
    ]);
    expect(periodsOf('2025-03-27', '2025-04-08', 'WEEK')).toEqual([
      { start: '2025-03-27', end: '2025-03-30' },
      { start: '2025-03-31', end: '2025-04-06' },
      { start: '2025-04-07', end: '2025-04-08' },
    ]);
    expect(periodsOf('2025-01-15', '2025-03-10', 'MONTH')).toEqual([
      { start: '2025-01-15', end: '2025-01-31' },
      { start: '2025-02-01', end: '2025-02-28' },
      { start: '2025-03-01', end: '2025-03-10' },
    ]);
  });
});
