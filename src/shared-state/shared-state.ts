import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { RateDecision } from '../auth/rate-limiter';

/**
 * The state that users can observe and that must be the same in every hub process: rate-limit
 * buckets, the automatic-persisted-query cache, named versions (cache invalidation signals) and
 * leases (one process does a job at a time). In process memory by default (one process: the
 * embedded, zero-setup hub); in Redis when REDIS_URL is set, so that N processes behave as one.
 */
export interface SharedState {
  /** Which backend: 'memory' or 'redis'. */
  readonly kind: 'memory' | 'redis';
  /** Takes one token from `key`'s bucket (up to `burst` tokens, refilled at `perSecond`). */
  takeToken(key: string, perSecond: number, burst: number): Promise<RateDecision>;
  /** Whether `key`'s bucket has a token, without taking it. */
  peekToken(key: string, perSecond: number, burst: number): Promise<RateDecision>;
  /** A key-value cache with TTLs (Apollo's KeyValueCache: the persisted-query cache). */
  readonly cache: KeyValueCache<string>;
  /** The current value of a named version (0 when never bumped). */
  version(name: string): Promise<number>;
  /** Increments a named version and returns the new value. */
  bumpVersion(name: string): Promise<number>;
  /** Takes (or renews, for the same holder) a lease for `ttlMs`; false when another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease back if `holder` still has it. */
  releaseLease(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}
