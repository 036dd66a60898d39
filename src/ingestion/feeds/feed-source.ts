import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** A feed to read: its bytes, and their number when known (for a progress bar). */
export interface FeedSource {
  stream: Readable;
  size: number | null;
  /** What to call it in messages. */
  label: string;
}

/**
 * Opens a feed: a local file, or an http(s) URL fetched with Node's fetch and streamed (the body
 * is never buffered). Any other URL scheme is refused.
 */
export async function openFeedSource(location: string, fetchImpl: typeof fetch = fetch): Promise<FeedSource> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    const url = new URL(location);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${location}: only http and https URLs can be imported`);
    }
    const response = await fetchImpl(url, { redirect: 'follow' });
    if (!response.ok) throw new Error(`${location}: HTTP ${response.status} ${response.statusText}`.trim());
    if (!response.body) throw new Error(`${location}: the response has no body`);
    // With a Content-Encoding, fetch inflates the body and Content-Length counts the compressed bytes.
    const length = Number(response.headers.get('content-length'));
    const size = !response.headers.get('content-encoding') && Number.isFinite(length) && length > 0 ? length : null;
    return { stream: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), size, label: location };
  }
  const stat = await fs.promises.stat(location).catch(() => null);
  if (!stat) throw new Error(`${location}: no such file`);
  if (!stat.isFile()) throw new Error(`${location}: not a file`);
  return { stream: fs.createReadStream(location, { highWaterMark: 256 * 1024 }), size: stat.size, label: location };
}

/** Passes the bytes through, reporting the running total after each chunk. */
export function countBytes(source: Readable, onBytes: (total: number) => void): Readable {
  let total = 0;
  return Readable.from(
    (async function* () {
      for await (const chunk of source) {
        total += (chunk as Buffer).length;
        onBytes(total);
        yield chunk as Buffer;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * Reads the first `bytes` bytes (fewer if the stream is shorter) and returns them with a stream
 * that still delivers everything from the start; the rest is not read ahead.
 */
export async function peekStream(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
    chunks.push(chunk);
    length += chunk.length;
  }
  const first = Buffer.concat(chunks);
  const stream = Readable.from(
    (async function* () {
      try {
        if (first.length > 0) yield first;
        while (!done) {
          const next = await iterator.next();
          if (next.done) done = true;
          else yield next.value as Buffer;
        }
      } finally {
        // Stopped early (a syntax error): let the source go.
        if (!done) await iterator.return?.();
      }
    })(),
    { objectMode: false },
  );
  return { head: first.subarray(0, bytes), stream };
}

/** Inflates a gzip stream when it starts with gzip's magic bytes (a `feed.xml.gz`); else passes it on. */
export async function maybeGunzip(source: Readable): Promise<{ head: Buffer; stream: Readable; gzipped: boolean }> {
  const peeked = await peekStream(source, 2);
  if (peeked.head.length < 2 || peeked.head[0] !== 0x1f || peeked.head[1] !== 0x8b) return { ...peeked, gzipped: false };
  const gunzip = zlib.createGunzip();
  peeked.stream.on('error', (err) => gunzip.destroy(err));
  return { head: peeked.head, stream: peeked.stream.pipe(gunzip), gzipped: true };
}
