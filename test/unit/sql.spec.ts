import { columnList, inList, joinSql, limit, raw, sql, valueRows } from '../../src/db/sql';
import { chunks } from '../../src/lib/chunks';

describe('sql fragments', () => {
  it('binds values in the order they appear, through nested fragments', () => {
    const where = joinSql([sql`a = ${1}`, sql`b IN ${inList(['x', 'y'])}`], ' AND ');
    const statement = sql`SELECT ${columnList(['a', 'b'], 't')} FROM t WHERE ${where} AND c = ${true} LIMIT ${limit(20)}`;
    expect(statement.text).toBe('SELECT t.a, t.b FROM t WHERE a = ? AND b IN (?, ?) AND c = ? LIMIT 20');
    expect(statement.params).toEqual([1, 'x', 'y', true]);
  });

  it('writes the rows of a multi-row INSERT as one tuple each', () => {
    const statement = sql`INSERT INTO t (a, b) VALUES ${valueRows([
      [1, null],
      [2, 'two'],
    ])}${raw(' ON CONFLICT DO NOTHING')}`;
    expect(statement.text).toBe('INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING');
    expect(statement.params).toEqual([1, null, 2, 'two']);
  });

  it('refuses what would be invalid SQL: an empty list, a LIMIT that is not a whole number', () => {
    expect(() => inList([])).toThrow();
    expect(() => valueRows([])).toThrow();
    expect(() => limit(2.5)).toThrow();
    expect(() => limit(-1)).toThrow();
  });
});

describe('chunks', () => {
  it('cuts a list into slices of at most `size`, in order', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 3)).toEqual([]);
    expect(() => chunks([1], 0)).toThrow();
  });
});
