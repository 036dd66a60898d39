import crypto from 'node:crypto';
import { MemorySharedState } from '../../src/shared-state/memory-shared-state';
import { openSharedState, RedisSharedState } from '../../src/shared-state/redis-shared-state';
import type { SharedState } from '../../src/shared-state/shared-state';
import { redisUrlForTests } from '../helpers/redis';

const REDIS_URL = redisUrlForTests();

/** Two "processes": two SharedState instances over one store (Redis), or one memory store seen twice. */
const backends: Array<[string, () => Promise<[SharedState, SharedState, () => Promise<void>]>]> = [
  [
    'memory',
    async () => {
      const state = new MemorySharedState();
      return [state, state, async () => {}];
    },
  ],
];
if (REDIS_URL) {
  backends.push([
    'redis',
    async () => {
      const prefix = `passerelle-test:${crypto.randomBytes(4).toString('hex')}:`;
      const a = new RedisSharedState(REDIS_URL, prefix);
      const b = new RedisSharedState(REDIS_URL, prefix);
      await Promise.all([a.ready(), b.ready()]);
      return [a, b, async () => void (await Promise.all([a.close(), b.close()]))];
    },
  ]);
}

describe.each(backends)('shared state (%s)', (_name, open) => {
  let a: SharedState;
  let b: SharedState;
  let close: () => Promise<void>;
  beforeAll(async () => {
    [a, b, close] = await open();
  });
  afterAll(() => close());

  it('shares one token bucket between processes', async () => {
    const key = `caller-${crypto.randomUUID()}`;
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await (i % 2 ? b : a).takeToken(key, 0.5, 5));
    expect(decisions.slice(0, 5)).toEqual(Array(5).fill({ ok: true }));
    expect(decisions[5]).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(await a.takeToken(`other-${key}`, 0.5, 5)).toEqual({ ok: true }); // buckets are per key
  });

  it('keeps persisted queries for every process, with their TTL', async () => {
    await a.cache.set('apq:abc', '{ offers { totalCount } }', { ttl: 60 });
    expect(await b.cache.get('apq:abc')).toBe('{ offers { totalCount } }');
    await b.cache.delete('apq:abc');
    expect(await a.cache.get('apq:abc')).toBeUndefined();
  });

  it('bumps versions every process reads', async () => {
    const name = `stock-${crypto.randomUUID()}`;
    expect(await b.version(name)).toBe(0);
    expect(await a.bumpVersion(name)).toBe(1);
    expect(await a.bumpVersion(name)).toBe(2);
    expect(await b.version(name)).toBe(2);
  });

  it('gives a lease to one holder at a time, renewable by it, free once released', async () => {
    const lease = `webhooks-${crypto.randomUUID()}`;
    expect(await a.acquireLease(lease, 'hub-1', 10_000)).toBe(true);
    expect(await b.acquireLease(lease, 'hub-2', 10_000)).toBe(false);
    expect(await a.acquireLease(lease, 'hub-1', 10_000)).toBe(true); // renewal
    await b.releaseLease(lease, 'hub-2'); // not its lease: no effect
    expect(await b.acquireLease(lease, 'hub-2', 10_000)).toBe(false);
    await a.releaseLease(lease, 'hub-1');
    expect(await b.acquireLease(lease, 'hub-2', 10_000)).toBe(true);
  });

  it('lets a lease expire when its holder stops renewing it', async () => {
    const lease = `expiring-${crypto.randomUUID()}`;
    expect(await a.acquireLease(lease, 'hub-1', 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.acquireLease(lease, 'hub-2', 200)).toBe(true);
  });
});

describe('openSharedState', () => {
  it('is process memory without REDIS_URL, and refuses a Redis that does not answer, saying so', async () => {
    expect((await openSharedState(undefined)).kind).toBe('memory');
    await expect(openSharedState('redis://127.0.0.1:1')).rejects.toThrow(/REDIS_URL=redis:\/\/127\.0\.0\.1:1: Redis does not answer/);
  });
});
