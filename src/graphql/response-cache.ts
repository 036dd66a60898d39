/** One cached answer: its body (UTF-8, written as is) and the offer-stock version it was computed at. */
interface Entry {
  body: Buffer;
  version: number;
  expiresAt: number;
  bytes: number;
}

export interface ResponseCacheOptions {
  /** How long an answer may be served again (also the `max-age` sent to CDNs and browsers); 0: no cache. */
  ttlSeconds: number;
  /** Most answers kept (the oldest dropped first: with a time-to-live of seconds, recency adds little). */
  maxEntries: number;
  /** Most bytes kept in all; an answer over an eighth of it is never kept. */
  maxBytes: number;
}

export const DEFAULT_RESPONSE_CACHE: ResponseCacheOptions = { ttlSeconds: 2, maxEntries: 5_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Anonymous public answers, per process, keyed by what determines them: the query text (or the
 * persisted query's hash), the operation name and the variables. An answer is served again only
 * while the offer-stock version it was computed at is still current — bumped at once by this
 * process's writes and within STOCK_VERSION_POLL_MS (1 s) by any other process's
 * (src/db/offer-stock.ts) — and for at most `ttlSeconds` (what no write changes: an offer
 * passing its validThrough, a write made outside any hub). Only anonymous queries that answered
 * 200 without errors are kept: nothing personal, nothing that a retry could fix.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly options: ResponseCacheOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.options.ttlSeconds > 0;
  }

  /**
   * The key of a request, or null when it is not a cacheable shape: a GraphQL request (POST body
   * or GET parameters) naming a query or a persisted query's hash.
   */
  static keyOf(method: string, body: unknown, search: URLSearchParams): string | null {
    let query: unknown;
    let operationName: unknown;
    let variables: unknown;
    let extensions: unknown;
    if (method === 'POST') {
      if (!body || typeof body !== 'object' || Array.isArray(body)) return null; // (batches: not cached)
      ({ query, operationName, variables, extensions } = body as Record<string, unknown>);
    } else if (method === 'GET') {
      query = search.get('query') ?? undefined;
      operationName = search.get('operationName') ?? undefined;
      variables = search.get('variables') ?? undefined;
      extensions = search.get('extensions') ?? undefined;
      try {
        if (typeof extensions === 'string') extensions = JSON.parse(extensions);
      } catch {
        return null;
      }
    } else return null;
    const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
    // A persisted query is keyed by its hash, whether the request carries the text (registering it)
    // or not: Apollo refuses a text whose hash differs (an error, never kept).
    const document = typeof hash === 'string' ? `h:${hash}` : typeof query === 'string' ? `q:${query}` : null;
    if (document === null) return null;
    const vars = typeof variables === 'string' ? variables : JSON.stringify(variables ?? {});
    // The text itself is the key (a Map hashes it once; a digest cost more than the lookup).
    return `${String(operationName ?? '')}\u0000${document}\u0000${vars}`;
  }

  /** The answer kept for `key` (UTF-8) if it was computed at `version` and has not expired. */
  get(key: string, version: number): Buffer | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.version !== version || entry.expiresAt <= this.clock()) {
      this.remove(key, entry);
      return null;
    }
    return entry.body;
  }

  /** Keeps an answer computed at `version`. */
  set(key: string, version: number, body: string): void {
    const encoded = Buffer.from(body);
    const bytes = encoded.length + key.length * 2;
    if (bytes > this.options.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    this.entries.set(key, { body: encoded, version, expiresAt: this.clock() + this.options.ttlSeconds * 1000, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.options.maxEntries || this.bytes > this.options.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.remove(oldestKey, oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
