/** Outcome of one request against its bucket. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by caller (API key id, or client address for anonymous calls): each holds
 * up to `burst` tokens and refills at `perSecond`; a request takes one. In memory, per process.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = Date.now();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new Error('rate limit: perSecond > 0 and burst >= 1');
  }

  /** Whether `key` has a token left, without taking it (a bucket only failures drain). */
  peek(key: string): RateDecision {
    const bucket = this.buckets.get(key);
    if (!bucket) return { ok: true };
    const tokens = Math.min(this.burst, bucket.tokens + ((this.clock() - bucket.updatedAt) / 1000) * this.perSecond);
    return tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perSecond)) };
  }

  take(key: string): RateDecision {
    const now = this.clock();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
      bucket.updatedAt = now;
    }
    this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }

  /** Drops buckets that have refilled completely: they hold no information. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const full = (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt > full) this.buckets.delete(key);
  }
}

/** A rate limiter as the HTTP layer uses it: in process memory, or shared by every hub process. */
export interface RateLimiter {
  take(key: string): RateDecision | Promise<RateDecision>;
  peek(key: string): RateDecision | Promise<RateDecision>;
}

/** The token buckets of one limiter (`name`) in a SharedState: Redis when REDIS_URL is set. */
export function sharedRateLimiter(
  state: {
    takeToken(key: string, perSecond: number, burst: number): Promise<RateDecision>;
    peekToken(key: string, perSecond: number, burst: number): Promise<RateDecision>;
  },
  name: string,
  perSecond: number,
  burst: number,
): RateLimiter {
  if (!(perSecond > 0) || !(burst >= 1)) throw new Error('rate limit: perSecond > 0 and burst >= 1');
  return {
    take: (key) => state.takeToken(`${name}:${key}`, perSecond, burst),
    peek: (key) => state.peekToken(`${name}:${key}`, perSecond, burst),
  };
}
