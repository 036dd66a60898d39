/**
 * Calendar days as the agency counts them: Europe/Paris days, written `YYYY-MM-DD`. An instant's
 * day comes from Intl.DateTimeFormat (the platform's time-zone database, DST included); the
 * calendar arithmetic on days themselves needs no time zone and is done in UTC.
 */

export const TIME_ZONE = 'Europe/Paris';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const parisDate = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * Paris day of each UTC hour seen recently. Exact because Paris is always a whole number of hours
 * off UTC, so every instant of one UTC hour falls on the same Paris day (midnight and the DST
 * changes are UTC hour boundaries). It saves the Intl call (a few microseconds) per event.
 */
const dayOfUtcHour = new Map<number, string>();
const MAX_CACHED_HOURS = 24 * 400;

/** The Europe/Paris calendar day of an instant. */
export function parisDay(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const hour = Math.floor(ms / HOUR_MS);
  let day = dayOfUtcHour.get(hour);
  if (day === undefined) {
    day = parisDate.format(hour * HOUR_MS); // en-CA formats as YYYY-MM-DD
    if (dayOfUtcHour.size >= MAX_CACHED_HOURS) dayOfUtcHour.clear();
    dayOfUtcHour.set(hour, day);
  }
  return day;
}

/** Whether a string is a real calendar day `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

function dayToUtcMs(day: string): number {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new Error(`Not a day: ${day}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

function utcMsToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` plus `days` calendar days (negative to go back). */
export function addDays(day: string, days: number): string {
  return utcMsToDay(dayToUtcMs(day) + days * DAY_MS);
}

/** Days from `from` to `to` (0 when equal, negative when `to` is before). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayToUtcMs(to) - dayToUtcMs(from)) / DAY_MS);
}

/** Every day from `from` to `to`, both included. */
export function daysInRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let ms = dayToUtcMs(from), end = dayToUtcMs(to); ms <= end; ms += DAY_MS) out.push(utcMsToDay(ms));
  return out;
}

/** The Monday of the ISO week of a day. */
export function weekStart(day: string): string {
  const ms = dayToUtcMs(day);
  const mondayBased = (new Date(ms).getUTCDay() + 6) % 7;
  return utcMsToDay(ms - mondayBased * DAY_MS);
}

/** The first day of the month of a day. */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The month of a day, `YYYY-MM`. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** The last day of the month of a day. */
export function monthEnd(day: string): string {
  const ms = dayToUtcMs(monthStart(day));
  const next = new Date(ms);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return utcMsToDay(next.getTime() - DAY_MS);
}

/**
 * The instants a Paris day covers: [start, end). A Paris midnight is 22:00 or 23:00 UTC the day
 * before (the clocks change at 01:00 UTC, never at midnight), so the start is whichever of the two
 * is already on that day. DST days last 23 or 25 hours.
 */
export function parisDayBounds(day: string): { start: Date; end: Date } {
  const startOf = (d: string): number => {
    const utcMidnight = dayToUtcMs(d);
    return parisDay(utcMidnight - 2 * HOUR_MS) === d ? utcMidnight - 2 * HOUR_MS : utcMidnight - HOUR_MS;
  };
  return { start: new Date(startOf(day)), end: new Date(startOf(addDays(day, 1))) };
}

/**
 * A `Date` scalar argument as a day string: graphql-scalars' DateResolver hands resolvers a Date at
 * UTC midnight (the generated types say string), so accept both.
 */
export function dayArg(value: string | Date): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}
