import { isoString } from '../../src/lib/iso-date';
import { prng } from '../../src/lib/prng';
import { toDbDateTime } from '../../src/db/sql';

/** Dates across and beyond years 1000-9999, before and after the epoch. */
function someDates(): Date[] {
  const random = prng(18);
  const dates = [
    new Date(0),
    new Date(-1),
    new Date(Date.UTC(2026, 0, 10, 8, 1, 7, 5)),
    new Date(Date.UTC(1000, 0, 1, 0, 0, 0, 0)),
    new Date(Date.UTC(999, 11, 31, 23, 59, 59, 999)),
    new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
    new Date(Date.UTC(10000, 0, 1)),
    new Date(Date.UTC(-5, 5, 5)),
    new Date(Date.UTC(2024, 1, 29, 12, 30, 0, 90)),
  ];
  // Spread over ±8,000 years around 1970: four-digit years, before and after the epoch.
  for (let i = 0; i < 20_000; i++) dates.push(new Date(Math.round((random() - 0.5) * 2 * 8_000 * 365.25 * 86_400_000)));
  return dates;
}

describe('isoString', () => {
  it('writes what toISOString writes, for dates across and beyond years 1000-9999', () => {
    for (const date of someDates()) expect(isoString(date)).toBe(date.toISOString());
  });

  it("gives toDbDateTime the database's text of toISOString's", () => {
    for (const date of someDates()) expect(toDbDateTime(date)).toBe(date.toISOString().replace('T', ' ').replace('Z', ''));
  });

  it('throws for an invalid date, as toISOString does', () => {
    expect(() => isoString(new Date(NaN))).toThrow(RangeError);
  });
});
