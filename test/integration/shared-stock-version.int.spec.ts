import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { PartnerEntity } from '../../entities';
import { openDatabase } from '../../src/db/data-source';
import { currentCountVersion, currentSearchVersion, currentStockVersion, offerStockChanged } from '../../src/db/offer-stock';
import { toGlobalId } from '../../src/lib/ids';
import { startHub, type RunningHub } from '../../src/server';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

/** One count a request, one after the other: none waits on another's recount (StockCache's busy rule). */
const COUNTS = {
  activeOfferCount: 'query($p: ID!) { partner(id: $p) { activeOfferCount } }',
  totalCount: 'query($p: ID!) { offers(first: 1, filter: { partnerIds: [$p] }) { totalCount } }',
  facet: 'query($p: ID!) { offers(first: 1, filter: { partnerIds: [$p] }) { facets { contractType { value count } } } }',
};

/**
 * Counts, totals, facets and partner counts follow writes made by another process (another hub, the
 * import CLI) within STOCK_VERSION_POLL_MS (1 s), through the shared version in data_version. Hub B
 * here has its own data source on the same database: its own count cache and stock version, as a
 * second process would. The clock is driven by hand, so nothing depends on timing.
 */
describe.each(engines())('counts across processes on %s', (engine) => {
  let a: TestHub;
  let otherSource: DataSource;
  let b: RunningHub;
  let partner: PartnerEntity;
  let partnerKey: string;
  let clock: number;

  beforeAll(async () => {
    a = await startTestHub(engine, 'sharedversion');
    otherSource = await openDatabase(a.config);
    b = await startHub(otherSource, { port: 0, host: '127.0.0.1' });
    partner = await createPartner(a.dataSource);
    partnerKey = await issueKey(a, 'PARTNER', partner);
    for (const externalId of ['one', 'two', 'three']) await createOffer(a.dataSource, { partner, externalId });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await b?.close();
    await otherSource?.destroy();
    await a?.close();
  });

  const countsOnA = async () => {
    const ask = async (query: string) => {
      const res = await a.gql(query, { p: toGlobalId('Partner', partner.id) });
      expectNoErrors(res);
      return res.data;
    };
    const activeOfferCount = (await ask(COUNTS.activeOfferCount)).partner.activeOfferCount;
    const totalCount = (await ask(COUNTS.totalCount)).offers.totalCount;
    const [contract] = (await ask(COUNTS.facet)).offers.facets.contractType;
    return { activeOfferCount, totalCount, facet: contract?.count ?? 0 };
  };
  const onB = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`http://127.0.0.1:${b.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };

  it("a hub's counts follow another hub's write once the shared version is read again (at most once a second)", async () => {
    clock = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    expect(await countsOnA()).toEqual({ activeOfferCount: 3, totalCount: 3, facet: 3 });

    const withdrawn = await onB('mutation($ids: [String!]!) { withdrawOffers(externalIds: $ids) { withdrawn } }', { ids: ['one', 'two'] });
    expect(withdrawn.data.withdrawOffers.withdrawn).toEqual(['one', 'two']);

    // Within the second since A last read the shared version, its cached counts stand...
    clock += 500;
    expect(await countsOnA()).toEqual({ activeOfferCount: 3, totalCount: 3, facet: 3 });
    // ...once it is due, A reads it, sees B's write and counts again (the cache's 10 s are far off).
    clock += 500;
    expect(await countsOnA()).toEqual({ activeOfferCount: 1, totalCount: 1, facet: 1 });
  });

  it("follows the import CLI's --sync (the issue's withdrawn catalogue still counted by the running hub)", async () => {
    expect(await countsOnA()).toEqual({ activeOfferCount: 1, totalCount: 1, facet: 1 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-feed-'));
    const feed = path.join(dir, 'feed.xml');
    const job = (id: string) =>
      `<job><referencenumber>${id}</referencenumber><title>Cuisinier ${id}</title><description>Cuisine traditionnelle en brasserie.</description><jobtype>CDI</jobtype><postalcode>56100</postalcode><city>Lorient</city></job>`;
    fs.writeFileSync(feed, `<?xml version="1.0" encoding="utf-8"?><source>${job('cli-1')}${job('cli-2')}</source>`);
    const url =
      a.config.type === 'sqlite'
        ? `sqlite:${a.config.path}`
        : `mysql://${encodeURIComponent(a.config.user)}${a.config.password ? `:${encodeURIComponent(a.config.password)}` : ''}@${a.config.host}:${a.config.port}/${a.config.database}`;
    const cli = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', 'src/cli/import.ts', '--partner', partner.code, '--sync', '--force', feed],
      {
        cwd: path.join(__dirname, '..', '..'),
        env: { ...process.env, DATABASE_URL: url },
        encoding: 'utf8',
      },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/2 created/);
    expect(cli.stdout).toMatch(/--sync: 1 offer absent from the feed withdrawn/);
    expect(cli.status).toBe(0);
    clock += 1000;
    expect(await countsOnA()).toEqual({ activeOfferCount: 2, totalCount: 2, facet: 2 });
  });
});

/**
 * The versions counts are keyed by (offer-stock.ts): a process recognises its own bumps of the
 * shared version, so that reading the shared version later does not make it recount what it
 * recounted after its write already; keyword indexing moves the search version only.
 */
describe.each(engines())('stock versions on %s', (engine) => {
  let t: TestHub;
  let other: DataSource;
  let clock: number;

  beforeAll(async () => {
    t = await startTestHub(engine, 'stockversions', { serviceSettings: { countWriteCoalesceMs: 5_000 } });
    other = await openDatabase(t.config);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await other?.destroy();
    await t?.close();
  });

  it("moves once for this process's write, again for another process's, and keeps the count version through keyword indexing", async () => {
    clock = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const stock = () => currentStockVersion(t.dataSource);
    const search = () => currentSearchVersion(t.dataSource);

    const v0 = await stock();
    await offerStockChanged(t.dataSource);
    const v1 = await stock();
    expect(v1).toBeGreaterThan(v0);
    // The next read of the shared version finds this process's own bump: nothing new.
    clock += 1_000;
    expect(await stock()).toBe(v1);

    // Another process's write: seen at the next read (not before).
    await offerStockChanged(other);
    expect(await stock()).toBe(v1);
    clock += 1_000;
    const v2 = await stock();
    expect(v2).toBeGreaterThan(v1);

    // Keyword indexing changes what keyword searches match: the search version moves, the count
    // version of filters without keywords does not, neither now nor once the shared version is read.
    const s2 = await search();
    await offerStockChanged(t.dataSource, 'keyword index');
    expect(await search()).toBeGreaterThan(s2);
    clock += 1_000;
    expect(await stock()).toBe(v2);

    // Interleaved: another process writes between two reads, then this one: both show.
    await offerStockChanged(other);
    await offerStockChanged(t.dataSource);
    const v3 = await stock();
    expect(v3).toBeGreaterThan(v2);
    clock += 1_000;
    expect(await stock()).toBeGreaterThanOrEqual(v3);
  });

  it("under pressure, takes this process's writes together in counts every OFFER_COUNT_WRITE_COALESCE_MS; other writes at once", async () => {
    clock = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const counts = (coalesce: boolean) => currentCountVersion(t.dataSource, false, coalesce);
    clock += 10_000;
    const c0 = await counts(true);
    // A write after counts stood still for 5 s (the default, set here): seen at once, even under pressure.
    await offerStockChanged(t.dataSource);
    const c1 = await counts(true);
    expect(c1).toBeGreaterThan(c0);
    // The next ones, under pressure: held back until 5 s after counts last moved...
    clock += 1_000;
    await offerStockChanged(t.dataSource);
    clock += 1_000;
    await offerStockChanged(t.dataSource);
    expect(await counts(true)).toBe(c1);
    // ...while the stock version (pages, cached responses) moved at once.
    expect(await currentStockVersion(t.dataSource)).toBeGreaterThan(c1);
    clock += 3_000;
    const c2 = await counts(true);
    expect(c2).toBeGreaterThan(c1);
    // Without pressure, every write at once.
    await offerStockChanged(t.dataSource);
    expect(await counts(false)).toBeGreaterThan(c2);
    // Another process's write, under pressure: as soon as it is read.
    const c3 = await counts(true);
    await offerStockChanged(other);
    clock += 1_000;
    expect(await counts(true)).toBeGreaterThan(c3);
  });
});
