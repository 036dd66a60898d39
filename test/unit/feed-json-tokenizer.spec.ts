import { Readable } from 'node:stream';
import { FeedSyntaxError } from '../../src/ingestion/feeds/feed-item';
import { JsonTokenizer, type JsonTokenHandler } from '../../src/ingestion/feeds/json-tokenizer';
import { streamJsonValues, type JsonPath, type StreamedJsonValue } from '../../src/ingestion/feeds/json-value-stream';

/** Rebuilds the document from tokens, to compare with JSON.parse. */
class Builder implements JsonTokenHandler {
  private readonly stack: Array<{ container: unknown[] | Record<string, unknown>; key: string | null }> = [];
  result: unknown = undefined;
  startObject(): void {
    this.stack.push({ container: {}, key: null });
  }
  startArray(): void {
    this.stack.push({ container: [], key: null });
  }
  endObject(): void {
    this.add(this.stack.pop()!.container);
  }
  endArray(): void {
    this.add(this.stack.pop()!.container);
  }
  key(name: string): void {
    this.stack[this.stack.length - 1].key = name;
  }
  value(value: unknown): void {
    this.add(value);
  }
  private add(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) this.result = value;
    else if (Array.isArray(top.container)) top.container.push(value);
    else top.container[top.key!] = value;
  }
}

/** Tokenizes `text` cut into pieces at the given offsets. */
function tokenize(text: string, cuts: number[] = []): unknown {
  const builder = new Builder();
  const tokenizer = new JsonTokenizer(builder);
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    tokenizer.write(text.slice(from, cut));
    from = cut;
  }
  tokenizer.end();
  return builder.result;
}

function syntaxError(text: string, cuts: number[] = []): FeedSyntaxError {
  try {
    tokenize(text, cuts);
  } catch (err) {
    if (err instanceof FeedSyntaxError) return err;
    throw err;
  }
  throw new Error(`no syntax error in ${JSON.stringify(text)}`);
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = JSON.stringify({
  text: 'line\nbreak "quoted" back\\slash \u00e9t\u00e9 \ud83d\ude00 tab\t nul\u0000 \u2028',
  numbers: [0, -0, 1.5, -12.75e-3, 6.02e23, 1e400, 12345678901234567890],
  literals: [true, false, null],
  nested: { empty: {}, list: [], deep: [[[{ a: [1, { b: 'c' }] }]]] },
  '': 'empty key',
  __proto__: 'own key',
});

describe('JsonTokenizer', () => {
  it('reads what JSON.parse reads, however the text is cut', () => {
    const samples = [
      TRICKY,
      JSON.stringify(JSON.parse(TRICKY), null, 2),
      '"just a string"',
      '  42 ',
      'true',
      '[]',
      '{"escapes":"\\u00e9\\n\\/\\b\\f\\r\\t\\"\\\\","pair":"\\ud83d\\ude00"}',
    ];
    const next = random(20251126);
    for (const text of samples) {
      const expected = JSON.parse(text);
      expect(tokenize(text)).toEqual(expected);
      for (let run = 0; run < 30; run++) {
        const cuts = Array.from({ length: 1 + Math.floor(next() * 8) }, () => Math.floor(next() * text.length)).sort((a, b) => a - b);
        expect(tokenize(text, cuts)).toEqual(expected);
      }
      // One character at a time: every state must survive a chunk boundary.
      expect(
        tokenize(
          text,
          Array.from({ length: text.length }, (_, i) => i),
        ),
      ).toEqual(expected);
    }
  });

  it('skips a byte order mark', () => {
    expect(tokenize('\ufeff[1]')).toEqual([1]);
  });

  it.each([
    ['[1,2,]', 1, 6, 'trailing comma'],
    ['{"a":1,}', 1, 8, 'trailing comma'],
    ['{"a" 1}', 1, 6, "expected ':'"],
    ['[1 2]', 1, 4, "expected ',' or ']'"],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}'"],
    ["{'a': 1}", 1, 2, 'expected a key'],
    ['[tru]', 1, 5, 'expected "true"'],
    ['[01]', 1, 2, 'Invalid number'],
    ['["a\\x"]', 1, 5, 'Invalid escape'],
    ['["line\nbreak"]', 1, 7, 'line break inside a string'],
    ['[1] [2]', 1, 5, 'after the end of the JSON document'],
    ['[NaN]', 1, 2, 'expected a value'],
  ])('reports %j at line %i, column %i', (text, line, column, reason) => {
    const err = syntaxError(text);
    expect(err.line).toBe(line);
    expect(err.column).toBe(column);
    expect(err.reason).toContain(reason);
    // The same position when the text arrives in pieces.
    const cut = syntaxError(text, [1, 3, 4]);
    expect([cut.line, cut.column]).toEqual([line, column]);
  });

  it('says a truncated document is truncated, at its last line', () => {
    const text = JSON.stringify([{ a: 1 }, { b: 2 }], null, 2);
    const err = syntaxError(text.slice(0, text.indexOf('"b"') + 2));
    expect(err.reason).toMatch(/end of input inside a string: the feed is truncated/);
    expect(err.line).toBe(6);
    expect(syntaxError('[{"a": 1},').reason).toMatch(/1 array\/object left open|2 arrays/);
    expect(syntaxError('').reason).toMatch(/the feed is empty/);
    expect(syntaxError('   \n ').reason).toMatch(/the feed is empty/);
  });
});

async function collect(text: string, isItemArray: (path: JsonPath) => boolean, chunkSize = 7): Promise<StreamedJsonValue[]> {
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: StreamedJsonValue[] = [];
  for await (const value of streamJsonValues(Readable.from(chunks), isItemArray)) out.push(value);
  return out;
}

describe('streamJsonValues', () => {
  it('hands out the elements of the chosen arrays one by one, then the rest as the root', async () => {
    const text = '{\n"meta": {"n": 2},\n"resultats": [\n{"id": "a", "tags": ["x"]},\n{"id": "b"}\n],\n"after": true\n}';
    const values = await collect(text, (path) => path.length === 1 && path[0] === 'resultats');
    expect(values).toEqual([
      { value: { id: 'a', tags: ['x'] }, line: 4, arrayPath: ['resultats'], index: 0, hadStreamedArrays: false },
      { value: { id: 'b' }, line: 5, arrayPath: ['resultats'], index: 1, hadStreamedArrays: false },
      { value: { meta: { n: 2 }, after: true }, line: 1, arrayPath: null, index: 0, hadStreamedArrays: true },
    ]);
  });

  it('streams nested lists and decodes UTF-8 split across chunks', async () => {
    const text = JSON.stringify({ '@graph': [{ '@type': 'ItemList', itemListElement: [{ t: 'été' }, { t: '😀' }] }, { t: 'z' }] });
    const values = await collect(text, (path) => ['@graph', 'itemListElement'].includes(String(path[path.length - 1])), 3);
    expect(values.map((v) => [v.value, v.arrayPath, v.hadStreamedArrays])).toEqual([
      [{ t: 'été' }, ['@graph', 0, 'itemListElement'], false],
      [{ t: '😀' }, ['@graph', 0, 'itemListElement'], false],
      [{ '@type': 'ItemList' }, ['@graph'], true],
      [{ t: 'z' }, ['@graph'], false],
      [{}, null, true],
    ]);
  });

  it('hands out the complete items before reporting a syntax error', async () => {
    const seen: unknown[] = [];
    const run = async () => {
      for await (const { value } of streamJsonValues(Readable.from([Buffer.from('[{"a":1},{"b":2},{"c":')]), (p) => p.length === 0))
        seen.push(value);
    };
    await expect(run()).rejects.toThrow(FeedSyntaxError);
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
