import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { TokenBucketLimiter, type RateDecision } from '../auth/rate-limiter';
import type { SharedState } from './shared-state';

/** The single-process SharedState: token buckets, an LRU cache, versions and leases in memory. */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory' as const;
  readonly cache = new InMemoryLRUCache<string>();
  private readonly limiters = new Map<string, TokenBucketLimiter>();
  private readonly versions = new Map<string, number>();
  private readonly leases = new Map<string, { holder: string; until: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async takeToken(key: string, perSecond: number, burst: number): Promise<RateDecision> {
    return this.limiter(perSecond, burst).take(key);
  }

  async peekToken(key: string, perSecond: number, burst: number): Promise<RateDecision> {
    return this.limiter(perSecond, burst).peek(key);
  }

  private limiter(perSecond: number, burst: number): TokenBucketLimiter {
    const limiterKey = `${perSecond}/${burst}`;
    let limiter = this.limiters.get(limiterKey);
    if (!limiter) this.limiters.set(limiterKey, (limiter = new TokenBucketLimiter(perSecond, burst, this.clock)));
    return limiter;
  }

  async version(name: string): Promise<number> {
    return this.versions.get(name) ?? 0;
  }

  async bumpVersion(name: string): Promise<number> {
    const next = (this.versions.get(name) ?? 0) + 1;
    this.versions.set(name, next);
    return next;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const lease = this.leases.get(name);
    if (lease && lease.until > now && lease.holder !== holder) return false;
    this.leases.set(name, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }

  async close(): Promise<void> {}
}
