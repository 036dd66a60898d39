import { parseJsonBody } from '../../src/http/json-body';
import { prng } from '../../src/lib/prng';

/** What the hub did before parseJsonBody: Node's UTF-8 decoder, then JSON.parse. */
function reference(body: Buffer): { value?: unknown; threw?: true } {
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { threw: true };
  }
}

function parsed(body: Buffer): { value?: unknown; threw?: true } {
  try {
    return { value: parseJsonBody(body) };
  } catch {
    return { threw: true };
  }
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('parseJsonBody', () => {
  it('reads what partners send: French text, emoji, and non-ASCII keys, nested in objects and arrays', () => {
    const body = {
      query: 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created } }',
      variables: {
        o: [
          {
            title: 'Préparateur·rice de commandes – Lyon 3ᵉ',
            description: '<p>Entrepôt frigorifique 🥶, 35 h, « CDI »</p>',
            tags: ['été', 'Œuvre', 'naïve'],
          },
          { title: 'Cariste', description: 'ASCII only', nested: { 'clé à molette': 'ça marche', deeper: [[['ünïcödé']]] } },
        ],
      },
    };
    expect(parseJsonBody(utf8(JSON.stringify(body)))).toEqual(body);
  });

  it('keeps \\u escapes right, alone or next to raw UTF-8 (an escaped é and the byte 0xE9 differ)', () => {
    for (const text of [
      '{"a":"caf\\u00e9"}',
      '{"a":"café \\u00e9 \\ud83d\\ude00"}',
      '{"a":"\\u00c3\\u00a9", "b":"é"}',
      '{"a":"\\\\u00e9 é"}',
    ]) {
      expect(parseJsonBody(utf8(text))).toEqual(JSON.parse(text));
    }
  });

  it('replaces invalid UTF-8 with U+FFFD exactly as Node decodes it', () => {
    const invalid: number[][] = [
      [0x80], // lone continuation byte
      [0xc3], // truncated two-byte sequence
      [0xe2, 0x82], // truncated three-byte sequence
      [0xc0, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      [0xff, 0xfe],
      [0xf0, 0x9f, 0x98], // truncated emoji
    ];
    for (const seq of invalid) {
      const body = bytes('{"k":"a', seq, 'b","n":[1,"', seq, '"]}');
      expect(parsed(body)).toEqual(reference(body));
      expect(JSON.stringify(parsed(body).value)).toContain('\ufffd');
    }
  });

  it('rejects what JSON.parse rejects: non-ASCII outside strings, a byte-order mark, truncated JSON', () => {
    for (const body of [
      bytes('{"a":1', [0xc3, 0xa9], '}'),
      bytes([0xef, 0xbb, 0xbf], '{"a":"é"}'),
      utf8('{"a":"é"'),
      bytes([0xa0], '{}'),
    ]) {
      expect(reference(body).threw).toBe(true);
      expect(() => parseJsonBody(body)).toThrow(SyntaxError);
    }
  });

  it('reads scalars and nesting deeper than the call stack would allow a recursive walk', () => {
    expect(parseJsonBody(utf8('"é"'))).toBe('é');
    expect(parseJsonBody(utf8('12'))).toBe(12);
    expect(parseJsonBody(utf8('null'))).toBeNull();
    const depth = 50_000;
    const deep = utf8(`${'['.repeat(depth)}"é"${']'.repeat(depth)}`);
    let value = parseJsonBody(deep);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    expect(value).toBe('é');
  });

  it('agrees with Node decoding the whole body on random bytes inside and outside strings', () => {
    const random = prng(20261127);
    // Quotes, backslashes and JSON punctuation mixed with ASCII letters and every byte over 0x7F.
    const alphabet = [...Buffer.from('ab "\\{}[],:u0'), ...Array.from({ length: 128 }, (_, i) => 0x80 + i)];
    let agreedOnAValue = 0;
    for (let n = 0; n < 5_000; n++) {
      const length = 1 + Math.floor(random() * 12);
      const inner = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]);
      const body = random() < 0.8 ? bytes('{"k":"', inner, '","v":["', inner, '"]}') : Buffer.from(inner);
      const expected = reference(body);
      expect(parsed(body)).toEqual(expected);
      if (!expected.threw) agreedOnAValue++;
    }
    // The sample is not all syntax errors: most of it parses and compares strings.
    expect(agreedOnAValue).toBeGreaterThan(1_000);
  });
});
