import type { FeedFormat } from './feed-item';

/** How many bytes of the feed detection looks at. */
export const DETECTION_BYTES = 1024;

/** Keys that give a JSON feed away, as `"key":`. */
const JSON_SIGNATURES: ReadonlyArray<[RegExp, FeedFormat]> = [
  [/"@(?:context|type|graph)"\s*:/, 'jsonld'],
  [/"(?:intitule|lieuTravail|resultats|typeContrat|romeCode|appellationlibelle)"\s*:/, 'france-travail'],
];

/**
 * Tells the format from the feed's first KB: markup is an Indeed XML feed; JSON is JSON-LD when
 * its first object has `@context` / `@type` (or a `@graph`), France Travail's when it has
 * `intitule`, `lieuTravail` or `resultats`; whichever key comes first decides. Null when the first
 * KB says nothing (the caller then asks for --format).
 */
export function detectFeedFormat(head: Buffer | string): FeedFormat | null {
  const text = (typeof head === 'string' ? head : head.toString('utf8')).replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return 'indeed-xml';
  if (!text.startsWith('{') && !text.startsWith('[')) return null;
  let best: { index: number; format: FeedFormat } | null = null;
  for (const [pattern, format] of JSON_SIGNATURES) {
    const index = text.search(pattern);
    if (index >= 0 && (best === null || index < best.index)) best = { index, format };
  }
  return best?.format ?? null;
}
