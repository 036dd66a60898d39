import { isoString } from '../lib/iso-date';

/**
 * A tiny composable SQL fragment: text with `?` placeholders plus their values in order, so
 * clauses can be built apart and joined without counting placeholders by hand. Values are always
 * bound, never spliced; only `raw()` text (identifiers and keywords we write ourselves) is inlined.
 */
export class Sql {
  constructor(
    readonly text: string,
    readonly params: readonly unknown[],
  ) {}
}

// (sql and joinSql run for every clause of every statement: plain loops, no closure or spread per
// fragment, build a page's statement in about a third of the time.)
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0];
  const params: unknown[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof Sql) {
      text += value.text;
      for (const param of value.params) params.push(param);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1];
  }
  return new Sql(text, params);
}

/** Trusted text (identifiers, keywords), inlined as is. */
export function raw(text: string): Sql {
  return new Sql(text, []);
}

export function joinSql(parts: readonly Sql[], separator: string): Sql {
  let text = '';
  const params: unknown[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) text += separator;
    text += parts[i].text;
    for (const param of parts[i].params) params.push(param);
  }
  return new Sql(text, params);
}

/** `(?, ?, ?)` for an IN list; the list must not be empty. */
export function inList(values: readonly unknown[]): Sql {
  if (values.length === 0) throw new Error('inList of nothing');
  return new Sql(`(${values.map(() => '?').join(', ')})`, values);
}

/**
 * Rows per multi-row INSERT: the widest row written (an offer, 33 columns) keeps such a statement
 * well under SQLite's 32,766 bound parameters (and MariaDB's 65,535).
 */
export const ROWS_PER_STATEMENT = 500;

/** `(?, ?), (?, ?)`: the rows of a multi-row `INSERT ... VALUES`, one tuple per row; there must be one at least. */
export function valueRows(rows: readonly (readonly unknown[])[]): Sql {
  if (rows.length === 0) throw new Error('valueRows of nothing');
  return joinSql(rows.map(inList), ', ');
}

/** A column list, `a, b, c` (or `o.a, o.b, o.c` with an alias): names we write ourselves, inlined. */
export function columnList(columns: readonly string[], alias?: string): Sql {
  return raw(alias ? columns.map((c) => `${alias}.${c}`).join(', ') : columns.join(', '));
}

/** LIMIT takes a literal: prepared statements on MariaDB/MySQL reject a bound LIMIT of type double. */
export function limit(n: number): Sql {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad LIMIT ${n}`);
  return raw(String(n));
}

/** The UTC text form both engines store datetime(3) in: `YYYY-MM-DD HH:MM:SS.mmm`. */
export function toDbDateTime(date: Date): string {
  const iso = isoString(date);
  // (`YYYY-MM-DDTHH:MM:SS.mmmZ`: every year from 1000 to 9999; others keep their own form.)
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso.replace('T', ' ').replace('Z', '');
}

/** Reads a datetime column: a Date from mysql2, UTC text from SQLite. */
export function fromDbDateTime(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return new Date(value.includes('T') ? value : value.replace(' ', 'T') + 'Z');
  throw new Error(`Not a datetime: ${String(value)}`);
}

export function fromDbDateTimeOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : fromDbDateTime(value);
}

export function fromDbBoolOrNull(value: unknown): boolean | null {
  return value === null || value === undefined ? null : Boolean(Number(value));
}
