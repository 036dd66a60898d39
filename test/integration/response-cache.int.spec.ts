import crypto from 'node:crypto';
import { openDatabase } from '../../src/db/data-source';
import { startHub, type RunningHub } from '../../src/server';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';

const PAGE = '{ offers(first: 50) { totalCount edges { node { title } } } }';

interface Answer {
  status: number;
  text: string;
  cacheControl: string | null;
  xCache: string | null;
}

async function send(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), cacheControl: res.headers.get('cache-control'), xCache: res.headers.get('x-cache') };
}

/**
 * The anonymous response cache (issue 18): answers served again while no write changed the offer
 * stock, invalidated at once by this process's writes and within about a second by another
 * process's, `Cache-Control: public` on what it keeps and `no-store` on anything authenticated.
 */
describe.each(engines())('the response cache on %s', (engine) => {
  let t: TestHub;
  let agencyKey: string;

  beforeAll(async () => {
    t = await startTestHub(engine, 'respcache', { responseCache: { ttlSeconds: 60 } });
    agencyKey = await issueKey(t, 'AGENCY');
    await createOffer(t.dataSource, { title: 'Boulanger' });
  });
  afterAll(() => t?.close());

  /** An answer and the SQL statements it cost. */
  const measured = async (body: unknown, headers?: Record<string, string>) => {
    await t.settle();
    const before = t.sqlCount();
    const answer = await send(t.url, body, headers);
    return { ...answer, statements: t.sqlCount() - before };
  };

  it('answers the same anonymous query again without SQL, byte for byte, with a public Cache-Control', async () => {
    const first = await measured({ query: PAGE });
    expect(first.status).toBe(200);
    expect(first.statements).toBeGreaterThan(0);
    expect([first.xCache, first.cacheControl]).toEqual(['MISS', 'public, max-age=60']);
    const second = await measured({ query: PAGE });
    expect(second).toEqual({ ...first, xCache: 'HIT', statements: 0 });
    // Other variables, another operation: another entry.
    const other = await measured({ query: 'query($n: Int) { offers(first: $n) { totalCount } }', variables: { n: 2 } });
    expect([other.xCache, other.statements > 0]).toEqual(['MISS', true]);
  });

  it('computes again after a write through this process, and shows it', async () => {
    await send(t.url, { query: PAGE });
    await createOffer(t.dataSource, { title: 'Pâtissier' }); // an entity save: the stock version moves
    const after = await measured({ query: PAGE });
    expect(after.xCache).toBe('MISS');
    expect(after.statements).toBeGreaterThan(0);
    expect(after.text).toContain('Pâtissier');
  });

  it('follows a write made by another process within about a second', async () => {
    const otherSource = await openDatabase(configOf(t));
    const other: RunningHub = await startHub(otherSource, {
      port: 0,
      host: '127.0.0.1',
      responseCache: { ttlSeconds: 0 },
    });
    try {
      const before = await send(t.url, { query: PAGE });
      expect(before.text).not.toContain('Charcutier');
      const partner = await createPartner(otherSource);
      await createOffer(otherSource, { title: 'Charcutier', partner }); // the other process's data source
      const deadline = Date.now() + 3_000;
      let seen = await send(t.url, { query: PAGE });
      while (!seen.text.includes('Charcutier') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await send(t.url, { query: PAGE });
      }
      expect(seen.text).toContain('Charcutier');
    } finally {
      await other.close();
      await otherSource.destroy();
    }
  });

  it('never keeps authenticated answers, answers with errors, or mutations', async () => {
    const asAgency = { authorization: `Bearer ${agencyKey}` };
    await send(t.url, { query: PAGE }, asAgency);
    const again = await measured({ query: PAGE }, asAgency);
    expect([again.xCache, again.cacheControl, again.statements > 0]).toEqual([null, 'no-store', true]);
    const bad = { query: '{ offers(first: 500) { totalCount } }' }; // BAD_USER_INPUT: over 100
    await send(t.url, bad);
    const badAgain = await send(t.url, bad);
    expect([badAgain.xCache, badAgain.text.includes('BAD_USER_INPUT')]).toEqual([null, true]);
    const mutation = { query: `mutation { withdrawOffers(externalIds: ["x-${crypto.randomUUID()}"]) { withdrawn } }` };
    await send(t.url, mutation);
    expect((await send(t.url, mutation)).xCache).toBeNull();
  });

  it('serves GET queries and automatic persisted queries from the same cache', async () => {
    const query = `{ offers(first: 1) { totalCount } } # ${crypto.randomUUID()}`;
    const sha256Hash = crypto.createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect((await send(t.url, { query, extensions })).xCache).toBe('MISS');
    const byHash = await measured({ extensions });
    expect([byHash.xCache, byHash.statements, byHash.status]).toEqual(['HIT', 0, 200]);
    const url = `${t.url}?query=${encodeURIComponent('{ offers(first: 3) { totalCount } }')}`;
    const get = async () => {
      const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
      return { status: res.status, xCache: res.headers.get('x-cache') };
    };
    expect(await get()).toEqual({ status: 200, xCache: 'MISS' });
    expect(await get()).toEqual({ status: 200, xCache: 'HIT' });
  });
});

function configOf(t: TestHub) {
  const options = t.dataSource.options as {
    type: string;
    database?: string;
    host?: string;
    port?: number;
    username?: string;
    password?: string;
  };
  if (options.type === 'better-sqlite3') return { type: 'sqlite' as const, path: String(options.database) };
  return {
    type: 'mysql' as const,
    host: options.host!,
    port: options.port!,
    user: options.username!,
    password: options.password ?? '',
    database: options.database!,
  };
}
