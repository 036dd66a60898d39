import { loadConfig } from '../../src/config';
import { StockCache } from '../../src/offers/stock-cache';
import { FACET_OWN_FILTERS, withoutOwnFilter } from '../../src/offers/offer-search.service';
import { OfferSearchSql } from '../../src/offers/offer-search.sql';
import type { FacetDimension, OfferFilterSpec } from '../../src/offers/offer-search.types';

describe('StockCache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('tells the share of the last 2 s with a computation running (what coalesces writes in counts)', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const cache = new StockCache(60_000);
    expect(cache.busyShare()).toBe(0);
    let release!: () => void;
    const pending = cache.get('a', 1, () => new Promise<number>((resolve) => (release = () => resolve(1))));
    clock += 500;
    expect(cache.busyShare()).toBeCloseTo(0.25);
    release();
    await pending;
    clock += 500;
    expect(cache.busyShare()).toBeCloseTo(0.25);
    // Two overlapping computations count once.
    let releaseB!: () => void;
    let releaseC!: () => void;
    const b = cache.get('b', 1, () => new Promise<number>((resolve) => (releaseB = () => resolve(2))));
    const c = cache.get('c', 1, () => new Promise<number>((resolve) => (releaseC = () => resolve(3))));
    clock += 500;
    releaseB();
    await b;
    clock += 250;
    releaseC();
    await c;
    expect(cache.busyShare()).toBeCloseTo((500 + 750) / 2000);
    // Out of the window: forgotten.
    clock += 2_500;
    expect(cache.busyShare()).toBe(0);
  });

  it('stays under pressure for 10 s after recounts last kept the database busy a tenth of the time', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const cache = new StockCache(60_000);
    expect(cache.underPressure()).toBe(false);
    let release!: () => void;
    const pending = cache.get('a', 1, () => new Promise<number>((resolve) => (release = () => resolve(1))));
    clock += 100; // 100 ms of 2 s: under a tenth
    expect(cache.underPressure()).toBe(false);
    clock += 300;
    release();
    await pending;
    expect(cache.underPressure()).toBe(true); // 400 ms of 2 s
    clock += 3_000;
    expect(cache.busyShare()).toBe(0); // the burst is out of busyShare's window...
    expect(cache.underPressure()).toBe(true); // ...but the pressure holds
    clock += 7_001;
    expect(cache.underPressure()).toBe(false);
  });

  it('computes once per key and stock version while the time-to-live lasts', async () => {
    const cache = new StockCache(60_000);
    let computed = 0;
    const compute = async () => ++computed;
    expect(await cache.get('a', 1, compute)).toBe(1);
    expect(await cache.get('a', 1, compute)).toBe(1);
    expect(await cache.get('b', 1, compute)).toBe(2);
    // A write bumped the version: counted again.
    expect(await cache.get('a', 2, compute)).toBe(3);
  });

  it('shares one computation between concurrent callers and forgets failures', async () => {
    const cache = new StockCache(60_000);
    let calls = 0;
    let release!: (n: number) => void;
    const slow = () => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const both = Promise.all([cache.get('k', 1, slow), cache.get('k', 1, slow)]);
    release(42);
    expect(await both).toEqual([42, 42]);
    expect(calls).toBe(1);
    await expect(cache.get('bad', 1, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('bad', 1, async () => 7)).toBe(7);
  });

  it('past the time-to-live, answers the previous count while one recount runs, then the new one', async () => {
    const cache = new StockCache(200);
    let n = 0;
    const compute = async () => ++n;
    await cache.get('a', 1, compute);
    await new Promise((r) => setTimeout(r, 250)); // stale, within two times-to-live
    expect(await Promise.all([cache.get('a', 1, compute), cache.get('a', 1, compute)])).toEqual([1, 1]);
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(2); // one recount for both
    expect(await cache.get('a', 1, compute)).toBe(2);
  });

  it('runs at most two background recounts at once', async () => {
    const cache = new StockCache(200);
    for (let k = 0; k < 5; k++) await cache.get(`k${k}`, 1, async () => 0);
    await new Promise((r) => setTimeout(r, 250));
    let running = 0;
    let peak = 0;
    let done = 0;
    const slow = async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      done++;
      return 1;
    };
    for (let k = 0; k < 5; k++) expect(await cache.get(`k${k}`, 1, slow)).toBe(0); // stale answers at once
    while (done < 5) await new Promise((r) => setTimeout(r, 5));
    expect(peak).toBe(2);
    for (let k = 0; k < 5; k++) expect(await cache.get(`k${k}`, 1, slow)).toBe(1);
  });

  it('after a write, counts again at once while the database keeps up, and answers the previous count while it is busy recounting', async () => {
    const cache = new StockCache(60_000);
    for (let k = 0; k < 4; k++) await cache.get(`k${k}`, 1, async () => 0);
    // A write (version 2) while two recounts hold the database: the previous counts are answered.
    const releases: Array<() => void> = [];
    const held = () => new Promise<number>((resolve) => releases.push(() => resolve(2)));
    const waiting = [cache.get('k0', 2, held), cache.get('k1', 2, held)];
    let recounted = 0;
    const quick = async () => {
      recounted++;
      return 2;
    };
    expect(await cache.get('k2', 2, quick)).toBe(0);
    expect(await cache.get('k3', 2, quick)).toBe(0);
    expect(recounted).toBe(0); // queued behind the two running
    releases.forEach((release) => release());
    expect(await Promise.all(waiting)).toEqual([2, 2]);
    while (recounted < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k2', 2, quick)).toBe(2);
    expect(await cache.get('k3', 2, quick)).toBe(2);
    expect(recounted).toBe(2);
    // Nothing running: the next write's counts are waited for, never answered from before it.
    expect(await cache.get('k2', 3, async () => 3)).toBe(3);
  });

  it('never answers a count older than two times-to-live, nor one from before a write; caches nothing at 0', async () => {
    const cache = new StockCache(20);
    let n = 0;
    await cache.get('a', 1, async () => ++n);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('a', 1, async () => ++n)).toBe(2);
    expect(await cache.get('a', 2, async () => ++n)).toBe(3);
    const off = new StockCache(0);
    await off.get('a', 1, async () => ++n);
    expect(await off.get('a', 1, async () => ++n)).toBe(5);
  });

  it('reads OFFER_COUNT_CACHE_SECONDS, rejecting nonsense', () => {
    const countCacheSecondsFromEnv = (env: NodeJS.ProcessEnv) => loadConfig(env).services.countCacheSeconds;
    expect(countCacheSecondsFromEnv({})).toBe(10);
    expect(countCacheSecondsFromEnv({ OFFER_COUNT_CACHE_SECONDS: '0' })).toBe(0);
    expect(() => countCacheSecondsFromEnv({ OFFER_COUNT_CACHE_SECONDS: '-1' })).toThrow(/OFFER_COUNT_CACHE_SECONDS/);
  });
});

describe('facet cache keys', () => {
  const filter: OfferFilterSpec = {
    romeCodes: ['M1805'],
    contractTypes: ['PERMANENT'],
    departmentCodes: ['75'],
    regionCodes: ['11'],
    source: 'PARTNER',
    partnerIds: [3],
    excludePartnerIds: [4],
    minSalary: 20_000,
  };
  const now = new Date('2026-11-26T12:00:00Z');

  it.each(Object.keys(FACET_OWN_FILTERS) as FacetDimension[])(
    '%s: dropping its own filter fields changes nothing in its SQL, dropping any other does',
    (dimension) => {
      for (const dialect of ['sqlite', 'mysql'] as const) {
        const sql = new OfferSearchSql(dialect);
        const text = (f: OfferFilterSpec) => JSON.stringify(sql.where(f, null, now, dimension));
        expect(text(withoutOwnFilter(filter, dimension))).toBe(text(filter));
        for (const field of Object.keys(filter) as Array<keyof OfferFilterSpec>) {
          if (FACET_OWN_FILTERS[dimension].includes(field)) continue;
          const { [field]: _dropped, ...rest } = filter;
          expect(text(rest)).not.toBe(text(filter));
        }
      }
    },
  );
});
