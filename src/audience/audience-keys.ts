import { addDays, daysBetween, monthEnd, monthOf, monthStart } from '../lib/paris-day';

/**
 * Which visitor-hash key an audience event is hashed under, and which key a report reads.
 *
 * A visitor id only ever becomes HMAC-SHA-256(key, visitorId), and each key is destroyed on a
 * schedule, so that nothing links a sketch to a visitor id any more. Keys are named by a calendar
 * month (`YYYY-MM`) and have overlapping lifetimes: key M hashes the events of the days of month M
 * and of the KEY_OVERLAP_DAYS days before M starts. An event is thus hashed under two keys (three
 * for 29-31 January, whose next 30 days reach into March) and raises a sketch under each.
 *
 * Hence every range of at most SINGLE_KEY_RANGE_DAYS days lies inside the span of the key of the
 * month of its last day, and the union of its days' sketches under that key counts a returning
 * visitor once, whatever month or year boundary it crosses. A longer range is cut into calendar
 * months, each counted under its own key, and their uniques are added: there a visitor seen in two
 * months counts once per month.
 */
export const SINGLE_KEY_RANGE_DAYS = 31;
/** A range of SINGLE_KEY_RANGE_DAYS days ending in month M starts at most this many days before M. */
export const KEY_OVERLAP_DAYS = SINGLE_KEY_RANGE_DAYS - 1;

/** The keys the events of `day` are hashed under: its month's, and each later month's that starts within KEY_OVERLAP_DAYS days. */
export function hashPeriodsOf(day: string): string[] {
  const periods = [monthOf(day)];
  for (let start = addDays(monthEnd(day), 1); daysBetween(day, start) <= KEY_OVERLAP_DAYS; start = addDays(monthEnd(start), 1))
    periods.push(monthOf(start));
  return periods;
}

/** A part of a report range whose days are all read under one key. */
export interface KeySegment {
  period: string;
  from: string;
  to: string;
}

/**
 * How a range's unique visitors are counted: one segment under the key of its last day's month
 * when the range has at most SINGLE_KEY_RANGE_DAYS days (a visitor counts once), else one segment
 * per calendar month, each under its own key (a visitor counts once per month).
 */
export function keySegmentsOf(from: string, to: string): KeySegment[] {
  if (daysBetween(from, to) + 1 <= SINGLE_KEY_RANGE_DAYS) return [{ period: monthOf(to), from, to }];
  const segments: KeySegment[] = [];
  for (let start = from; start <= to; start = addDays(monthEnd(start), 1)) {
    const end = monthEnd(start) < to ? monthEnd(start) : to;
    segments.push({ period: monthOf(start), from: start, to: end });
  }
  return segments;
}

/**
 * The oldest key still needed on `today`: events older than `maxEventAgeDays` days are refused, so
 * a key whose month's days are all older than that (plus a day of margin) can hash nothing more and
 * is deleted. A key thus lives from (at most) KEY_OVERLAP_DAYS days before its month starts until
 * maxEventAgeDays + 1 days after its month ends: at most 70 days with the default 7-day window.
 */
export function oldestLiveKey(today: string, maxEventAgeDays: number): string {
  return monthOf(monthStart(addDays(today, -(maxEventAgeDays + 1))));
}
