import { LeanExecutor } from '../../src/graphql/lean-executor';
import { toGlobalId } from '../../src/lib/ids';
import { startHub, type RunningHub } from '../../src/server';
import { createOffer, createPartner } from '../factories';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';

const ALL = `id source partner { id name code } externalId title description romeCode rome { code label } employer { name url }
  location { label communeCode postalCode city departmentCode regionCode latitude longitude } contractType fullTime
  salary { min max currency period label } experienceLevel publishedAt updatedAt validThrough status applyUrl reservedForJobseekers distanceKm`;

/** The benchmark's page (bench/scenarios.ts, scenario (a)). */
const PAGE = `query OffersPage($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { edges { node { id title publishedAt location { city } partner { name } } } pageInfo { endCursor hasNextPage } } }`;

interface Case {
  name: string;
  body?: Record<string, unknown>;
  /** A GET instead of a POST: these search parameters. */
  get?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * Issue 18: anonymous queries answered without Apollo's pipeline (src/graphql/lean-executor.ts)
 * must answer exactly what Apollo answers: the same status, bytes and headers that matter, for
 * the README's queries, the contract's, and every kind of refusal (those go to Apollo). Hub L has
 * the lean path, hub A (same database) has not; each request is sent to both with the same
 * X-Request-Id.
 */
describe.each(engines())('the lean read path on %s', (engine) => {
  let a: TestHub;
  let lean: RunningHub;
  let partnerId: string;

  beforeAll(async () => {
    a = await startTestHub(engine, 'leanpath', { leanReadPath: false });
    lean = await startHub(a.dataSource, { port: 0, host: '127.0.0.1', responseCache: { ttlSeconds: 0 } });
    const partner = await createPartner(a.dataSource, { name: 'Alpes Emploi' });
    partnerId = toGlobalId('Partner', partner.id);
    for (let i = 0; i < 8; i++) {
      await createOffer(a.dataSource, {
        partner: i % 3 ? partner : null,
        title: `Cuisinier ${i}`,
        description: 'Cuisine traditionnelle, service du midi.',
        contractType: i % 2 ? 'PERMANENT' : 'SEASONAL',
        commune: i % 2 ? '74010' : '74056',
        salaryMin: 1800 + i,
        salaryPeriod: 'MONTH',
        salaryYearlyMin: (1800 + i) * 12,
        publishedAt: new Date(Date.UTC(2026, 0, 10, 8, i, 7, 123 * i)),
        validThrough: i === 7 ? new Date(Date.UTC(2099, 1, 2)) : null,
      });
    }
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await lean?.close();
    await a?.close();
  });

  const send = async (port: number, c: Case, requestId: string) => {
    const headers: Record<string, string> = { 'x-request-id': requestId, ...c.headers };
    const url = new URL(`http://127.0.0.1:${port}/graphql`);
    let res: Response;
    if (c.get) {
      for (const [k, v] of Object.entries(c.get)) url.searchParams.set(k, v);
      res = await fetch(url, { headers });
    } else {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(c.body) });
    }
    const pick = ['content-type', 'cache-control', 'x-request-id', 'x-cache', 'content-length'];
    return { status: res.status, headers: Object.fromEntries(pick.map((h) => [h, res.headers.get(h)])), body: await res.text() };
  };

  const plain: Case[] = [
    {
      name: 'the benchmark page',
      body: { query: PAGE, variables: { filter: { departmentCodes: ['74'], contractTypes: ['PERMANENT'] }, first: 3 } },
    },
    { name: 'the benchmark page, no variables', body: { query: PAGE } },
    {
      name: "the README's first curl",
      body: {
        query:
          '{ offers(first: 3, filter: { keywords: "cuisinier", departmentCodes: ["74"] }) { totalCount edges { node { title partner { name } location { city } } } } }',
      },
    },
    {
      name: "the README's search",
      body: {
        query: `query Search($after: String) { offers(filter: { keywords: "cuisinier", contractTypes: [PERMANENT, SEASONAL], near: { postalCode: "74000", radiusKm: 30 }, excludePartnerIds: [], minSalary: 20000 }, sort: DISTANCE, first: 20, after: $after) {
          totalCount edges { cursor node { id title distanceKm contractType salary { min max period label } employer { name } location { city postalCode departmentCode } rome { code label domain { code label } } partner { name } } }
          pageInfo { hasNextPage endCursor } facets { contractType { value count } departmentCode { value count } source { value count } partner { value count } romeCode { value count } } } }`,
        operationName: 'Search',
      },
    },
    {
      name: "the README's partners",
      body: { query: '{ partners { id code name activeOfferCount offers(first: 2) { edges { node { title } } } } }' },
    },
    {
      name: 'every Offer field, fragments',
      body: {
        query: `{ offers(first: 50) { edges { node { ...All } } pageInfo { startCursor endCursor hasPreviousPage } } } fragment All on Offer { ${ALL} }`,
      },
    },
    {
      name: 'a partner and node',
      body: { query: `query($p: ID!) { partner(id: $p) { name status } node(id: $p) { __typename id } }`, variables: { p: '' } },
    },
    {
      name: 'two operations, one named',
      body: { query: `query A { partners { name } } query B { offers(first: 1) { edges { node { title } } } }`, operationName: 'B' },
    },
    {
      name: 'a GET with a preflight header',
      get: { query: PAGE, variables: JSON.stringify({ first: 2 }) },
      headers: { 'apollo-require-preflight': 'true' },
    },
  ];
  const refused: Case[] = [
    { name: 'a malformed cursor', body: { query: PAGE, variables: { after: 'nope' } } },
    { name: 'first: 1000', body: { query: PAGE, variables: { first: 1000 } } },
    { name: 'a bad enum in a variable', body: { query: PAGE, variables: { filter: { source: 'BOTH' } } } },
    { name: 'an unknown field', body: { query: '{ offers { edges { node { salaryy } } } }' } },
    { name: 'a syntax error', body: { query: '{ offers( }' } },
    {
      name: 'too deep',
      body: {
        query:
          '{ partners { offers { edges { node { partner { offers { edges { node { partner { offers { edges { node { id } } } } } } } } } } } } }',
      },
    },
    { name: 'introspection', body: { query: '{ __schema { queryType { name } } }' } },
    { name: 'an anonymous mutation', body: { query: 'mutation { suspendPartner(id: "x") { id } }' } },
    { name: 'an unknown operation name', body: { query: PAGE, operationName: 'Nope' } },
    { name: 'variables as a string', body: { query: PAGE, variables: '{}' } },
    { name: 'a persisted query hash', body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } } },
    { name: 'a GET without a preflight header', get: { query: PAGE } },
    { name: 'Accept: application/graphql-response+json', body: { query: PAGE }, headers: { accept: 'application/graphql-response+json' } },
  ];

  it.each([...plain, ...refused].map((c) => [c.name, c] as const))('answers %s byte for byte as Apollo does', async (_name, c) => {
    const run = jest.spyOn(LeanExecutor.prototype, 'execute');
    const requestId = `lean-${engine}-${c.name.replace(/\W+/g, '-')}`;
    const viaApollo = await send(a.hub.port, c, requestId);
    const viaLean = await send(lean.port, c, requestId);
    expect(viaLean).toEqual(viaApollo);
    expect(viaLean.headers['x-request-id']).toBe(requestId);
    if (plain.includes(c)) {
      // Served by the lean path indeed (else this compares Apollo with itself).
      expect(viaApollo.status).toBe(200);
      expect(JSON.parse(viaApollo.body).errors).toBeUndefined();
      expect(await run.mock.results.at(-1)?.value).toBe(viaLean.body);
    }
    run.mockRestore();
  });

  it('keeps the response cache, its headers and its staleness rules on the lean path', async () => {
    const cached = await startHub(a.dataSource, { port: 0, host: '127.0.0.1', responseCache: { ttlSeconds: 5 } });
    const plainApollo = await startHub(a.dataSource, { port: 0, host: '127.0.0.1', responseCache: { ttlSeconds: 5 }, leanReadPath: false });
    try {
      const c: Case = { name: 'page', body: { query: PAGE, variables: { first: 2, filter: { partnerIds: [partnerId] } } } };
      const first = [await send(cached.port, c, 'r1'), await send(plainApollo.port, c, 'r1')];
      expect(first[0]).toEqual(first[1]);
      expect(first[0].headers).toMatchObject({ 'cache-control': 'public, max-age=5', 'x-cache': 'MISS' });
      const again = [await send(cached.port, c, 'r2'), await send(plainApollo.port, c, 'r2')];
      expect(again[0]).toEqual(again[1]);
      expect(again[0].headers['x-cache']).toBe('HIT');
    } finally {
      await cached.close();
      await plainApollo.close();
    }
  });

  it('counts the request in the metrics under its operation, as Apollo does', async () => {
    const okCount = async (hub: RunningHub) => {
      const text = await hub.metrics.text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('passerelle_http_requests_total{route="graphql",operation="OffersPage",outcome="ok"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = [await okCount(lean), await okCount(a.hub)];
    // No operationName in the body: the operation's own name labels it.
    const c: Case = { name: 'metrics', body: { query: PAGE, variables: { first: 1 } } };
    await send(lean.port, c, 'm1');
    await send(a.hub.port, c, 'm1');
    expect([(await okCount(lean)) - before[0], (await okCount(a.hub)) - before[1]]).toEqual([1, 1]);
  });

  it('checks the limits once per operation and variables, and still refuses the variables over them', async () => {
    // (measure: the limit check itself, query-limits.ts's checkOperation)
    const check = jest.spyOn(LeanExecutor.prototype as unknown as { measure: () => number | null }, 'measure');
    const within: Case = { name: 'within', body: { query: PAGE, variables: { first: 4, filter: { contractTypes: ['SEASONAL'] } } } };
    const over: Case = { name: 'over', body: { query: PAGE, variables: { first: 4000, filter: { contractTypes: ['SEASONAL'] } } } };
    try {
      const answers = [await send(lean.port, within, 'v1'), await send(lean.port, within, 'v2'), await send(lean.port, within, 'v3')];
      expect(check).toHaveBeenCalledTimes(1);
      expect(new Set(answers.map((x) => x.body)).size).toBe(1);
      expect(JSON.parse(answers[0].body).data.offers.edges).toHaveLength(4);
      // Other variables are checked on their own: over the cost limit, refused as Apollo refuses them.
      for (const id of ['v4', 'v5']) expect(await send(lean.port, over, id)).toEqual(await send(a.hub.port, over, id));
      expect(JSON.parse((await send(lean.port, over, 'v6')).body).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      // A variable set longer than the memo keeps (1,024 characters of JSON) is checked every time.
      const long: Case = {
        name: 'long',
        body: {
          query: PAGE,
          variables: { first: 2, filter: { romeCodes: Array(100).fill('M1805'), departmentCodes: Array(100).fill('74') } },
        },
      };
      check.mockClear();
      for (const id of ['v7', 'v8']) expect((await send(lean.port, long, id)).status).toBe(200);
      expect(check).toHaveBeenCalledTimes(2);
    } finally {
      check.mockRestore();
    }
  });
});
