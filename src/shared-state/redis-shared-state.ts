import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import Redis from 'ioredis';
import type { RateDecision } from '../auth/rate-limiter';
import { MemorySharedState } from './memory-shared-state';
import type { SharedState } from './shared-state';

/**
 * A token bucket in one Redis hash {tokens, at}, refilled and taken atomically by a Lua script on
 * the server's clock (TIME), so that processes whose clocks differ still share one bucket. Returns
 * {1, 0} when a token was taken, else {0, milliseconds until one is available}.
 */
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if ok == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}
`;

/** The same bucket, looked at without taking a token: {1, 0} or {0, milliseconds until one}. */
const PEEK_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
if tokens == nil then return {1, 0} end
tokens = math.min(burst, tokens + (now - tonumber(state[2])) / 1000 * rate)
if tokens >= 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}
`;

/** Deletes a lease only if the caller still holds it. */
const RELEASE_LEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Takes a free lease, or renews one the caller holds. */
const ACQUIRE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

interface LeaseCommands {
  takeToken(key: string, perSecond: number, burst: number): Promise<[number, number]>;
  peekToken(key: string, perSecond: number, burst: number): Promise<[number, number]>;
  acquireLease(key: string, holder: string, ttlMs: number): Promise<number>;
  releaseLease(key: string, holder: string): Promise<number>;
}

function decision([ok, waitMs]: [number, number]): RateDecision {
  return ok === 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(waitMs) / 1000)) };
}

/** Apollo's KeyValueCache on Redis strings (TTL in seconds, as Apollo passes it). */
class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (options?.ttl) await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(options.ttl)));
    else await this.redis.set(this.prefix + key, value);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}

/**
 * SharedState in Redis (REDIS_URL), with ioredis: every key under `prefix` (default `passerelle:`),
 * so that several hubs, or tests, can share one server. Commands fail fast (no offline queue) when
 * Redis is unreachable, so a request is refused with an error rather than left waiting.
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis' as const;
  readonly cache: KeyValueCache<string>;
  private readonly redis: Redis & LeaseCommands;

  constructor(
    url: string,
    private readonly prefix = 'passerelle:',
  ) {
    const redis = new Redis(url, { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    redis.defineCommand('peekToken', { numberOfKeys: 1, lua: PEEK_TOKEN });
    redis.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE });
    redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
    redis.on('error', (err) => console.error('[redis]', err.message));
    this.redis = redis as Redis & LeaseCommands;
    this.cache = new RedisKeyValueCache(redis, `${prefix}kv:`);
  }

  /** Resolves once connected (or rejects): the hub checks Redis at start-up rather than at the first request. */
  async ready(): Promise<void> {
    await this.redis.ping();
  }

  async takeToken(key: string, perSecond: number, burst: number): Promise<RateDecision> {
    return decision(await this.redis.takeToken(this.bucketKey(key, perSecond, burst), perSecond, burst));
  }

  async peekToken(key: string, perSecond: number, burst: number): Promise<RateDecision> {
    return decision(await this.redis.peekToken(this.bucketKey(key, perSecond, burst), perSecond, burst));
  }

  private bucketKey(key: string, perSecond: number, burst: number): string {
    return `${this.prefix}bucket:${perSecond}/${burst}:${key}`;
  }

  async version(name: string): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}version:${name}`)) ?? 0);
  }

  async bumpVersion(name: string): Promise<number> {
    return this.redis.incr(`${this.prefix}version:${name}`);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.acquireLease(`${this.prefix}lease:${name}`, holder, Math.max(1, Math.round(ttlMs)))) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.redis.releaseLease(`${this.prefix}lease:${name}`, holder);
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/** The SharedState the configuration asks for: Redis when REDIS_URL is set, else process memory. */
export async function openSharedState(redisUrl: string | null | undefined, prefix?: string): Promise<SharedState> {
  if (!redisUrl) return new MemorySharedState();
  // One connection attempt, no retries: a wrong REDIS_URL stops the start-up with a clear message.
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(`REDIS_URL=${redisUrl}: Redis does not answer (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    probe.disconnect();
  }
  const state = new RedisSharedState(redisUrl, prefix);
  await state.ready();
  return state;
}
