import { contentText, inputHash, sameContent } from '../../src/ingestion/offer-validation';
import type { OfferInput } from '../../src/ingestion/ingestion.types';

const offer = (overrides: Record<string, unknown> = {}): OfferInput =>
  ({
    externalId: 'x-1',
    title: 'Cariste',
    description: '<p>Entrepôt à Lyon</p>',
    location: { postalCode: '69003', communeCode: null },
    contractType: 'PERMANENT',
    salary: { min: 1800, max: 2100, period: 'MONTH' },
    publishedAt: new Date('2026-11-20T08:00:00Z'),
    applyUrl: new URL('https://emploi.example/apply?id=1'),
    ...overrides,
  }) as unknown as OfferInput;

describe('content hash of an offer input', () => {
  it('is the same for equal inputs and differs when any field differs, however deep', () => {
    expect(inputHash(offer())).toBe(inputHash(offer()));
    const variants: Array<Record<string, unknown>> = [
      { title: 'Cariste ' },
      { description: '<p>Entrepôt à Lyon.</p>' },
      { location: { postalCode: '69003', communeCode: '69383' } },
      { salary: { min: 1800, max: 2100.5, period: 'MONTH' } },
      { salary: null },
      { publishedAt: new Date('2026-11-20T08:00:00.001Z') },
      { applyUrl: new URL('https://emploi.example/apply?id=2') },
      { fullTime: false },
      { reservedForJobseekers: true },
    ];
    const hashes = new Set([inputHash(offer()), ...variants.map((v) => inputHash(offer(v)))]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('cannot be fooled by text that looks like its own structure', () => {
    // Strings are length-prefixed and numbers terminated: shifting characters between fields changes the text.
    expect(contentText({ a: 'x"1:y', b: 'z' })).not.toBe(contentText({ a: 'x', b: '1:y"1:z' }));
    expect(contentText({ a: 1, e5: 2 })).not.toBe(contentText({ a: 1e5, b: 2 }));
    expect(contentText({ a: null })).not.toBe(contentText({ a: '~' }));
    expect(contentText({ a: [] })).not.toBe(contentText({ a: {} }));
    expect(contentText({ a: 'x', b: undefined })).toBe(contentText({ a: 'x' }));
  });

  it('is a base64url sha256 (43 characters)', () => {
    expect(inputHash(offer())).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('recognises a stored hash of the same input, and only of the same input', () => {
    const input = offer();
    const changed = offer({ title: 'Cariste H/F' });
    expect(sameContent(inputHash(input), inputHash(input))).toBe(true);
    expect(sameContent(inputHash(input), inputHash(changed))).toBe(false);
    expect(sameContent(null, inputHash(input))).toBe(false);
  });
});
