import crypto from 'node:crypto';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';

/** The issue's three hostile shapes (issue 14, item 1). */
const NESTED =
  '{ partners { offers(first:100){edges{node{id partner{offers(first:100){edges{node{id partner{offers(first:100){edges{node{id partner{id}}}}}}}}}}}} } }';
const TWO_LEVELS = '{ partners { offers(first:100){edges{node{id partner{offers(first:100){edges{node{id}}}}}}} } }';
const VIEWER_ALIASES = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
const COUNT_ALIASES = `{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: offers(first: 100, filter: { minSalary: ${i} }) { totalCount }`).join(' ')} }`;

describe.each(engines())('query cost limits on %s', (engine) => {
  let t: TestHub;
  let agencyKey: string;
  beforeAll(async () => {
    t = await startTestHub(engine, 'querylimits');
    agencyKey = await issueKey(t, 'AGENCY');
    for (let p = 0; p < 3; p++) {
      const partner = await createPartner(t.dataSource);
      for (let o = 0; o < 3; o++) await createOffer(t.dataSource, { partner });
    }
  });
  afterAll(() => t?.close());

  /** Sends a request and returns its response with the SQL statements it caused. */
  async function measured(send: () => Promise<GraphQLResponse>): Promise<{ res: GraphQLResponse; statements: number }> {
    await t.settle();
    const before = t.sqlCount();
    const res = await send();
    return { res, statements: t.sqlCount() - before };
  }

  function expectRefused(res: GraphQLResponse, limit: string): void {
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
    expect(res.errors![0].message).toMatch(/Query too complex/);
  }

  it.each([
    ['nested partners/offers', NESTED, 'depth'],
    ['the same two levels deep', TWO_LEVELS, 'cost'],
    ['10,000 aliases of viewer { role }', VIEWER_ALIASES, 'tokens'],
    ['1,000 aliases of offers totalCount', COUNT_ALIASES, 'tokens'],
  ])('refuses %s from an anonymous caller with 400 before any SQL', async (_name, query, limit) => {
    const { res, statements } = await measured(() => t.gql(query));
    expectRefused(res, limit);
    expect(statements).toBe(0);
  });

  it.each([
    ['nested partners/offers', NESTED, 'cost'],
    ['10,000 aliases of viewer { role }', VIEWER_ALIASES, 'tokens'],
    ['1,000 aliases of offers totalCount', COUNT_ALIASES, 'aliases'],
  ])('refuses %s from an API key too, running no resolver', async (_name, query, limit) => {
    await t.as(agencyKey)('{ __typename }'); // (lastUsedAt written: authentication is a read from now on)
    const sqlOfAuthentication = (await measured(() => t.as(agencyKey)('{ __typename }'))).statements;
    const { res, statements } = await measured(() => t.as(agencyKey)(query));
    expectRefused(res, limit);
    expect(statements).toBe(sqlOfAuthentication);
  });

  it('multiplies page sizes passed as variables', async () => {
    const query =
      'query($n: Int) { partners { offers(first: $n) { edges { node { partner { offers(first: $n) { edges { node { id } } } } } } } } }';
    const { res, statements } = await measured(() => t.gql(query, { n: 100 }));
    expectRefused(res, 'cost');
    expect(statements).toBe(0);
    const small = await t.gql(query, { n: 2 });
    expectNoErrors(small);
    expect(small.data.partners.length).toBeGreaterThanOrEqual(3);
  });

  it('answers the README examples', async () => {
    const search = await t.gql(
      '{ offers(first: 20, filter: { departmentCodes: ["74"] }) { totalCount edges { cursor node { id title salary { min } employer { name } location { city } rome { code domain { code } } partner { name } } } pageInfo { hasNextPage endCursor } facets { contractType { value count } departmentCode { value count } source { value count } partner { value count } romeCode { value count } } } }',
    );
    expectNoErrors(search);
    expect(search.data.offers.totalCount).toBe(9);
    const partners = await t.gql('{ partners { id code name activeOfferCount offers(first: 2) { edges { node { title } } } } }');
    expectNoErrors(partners);
  });

  it('refuses on GET, with the graphql-js executor, and for persisted queries too', async () => {
    const get = await measured(async () => {
      const res = await fetch(`${t.url}?query=${encodeURIComponent(TWO_LEVELS)}`, { headers: { 'apollo-require-preflight': 'true' } });
      const body = (await res.json()) as { data?: unknown; errors?: GraphQLResponse['errors'] };
      return { status: res.status, headers: res.headers, data: body.data ?? undefined, errors: body.errors };
    });
    expectRefused(get.res, 'cost');
    expect(get.statements).toBe(0);

    // Automatic persisted query: refused when registered, so its hash alone is never served.
    const sha256Hash = crypto.createHash('sha256').update(TWO_LEVELS).digest('hex');
    const persisted = { persistedQuery: { version: 1, sha256Hash } };
    const post = (body: unknown) =>
      fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, headers: r.headers, ...((await r.json()) as object) }) as GraphQLResponse,
      );
    expectRefused(await post({ query: TWO_LEVELS, extensions: persisted }), 'cost');
    const byHash = await post({ extensions: persisted });
    expect(byHash.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    // A query a key may send, registered by its hash, is still measured against an anonymous caller's limits.
    const keyQuery = '{ offers(first: 100) { edges { node { id partner { offers(first: 30) { edges { node { id } } } } } } } }';
    const keyHash = { persistedQuery: { version: 1, sha256Hash: crypto.createHash('sha256').update(keyQuery).digest('hex') } };
    const registered = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agencyKey}` },
      body: JSON.stringify({ query: keyQuery, extensions: keyHash }),
    });
    expect(registered.status).toBe(200);
    const before = t.sqlCount();
    expectRefused(await post({ extensions: keyHash }), 'cost');
    expect(t.sqlCount() - before).toBe(0);

    const classic = await startTestHub(engine, 'querylimitsjs', { executor: 'graphql-js' });
    try {
      const before = classic.sqlCount();
      expectRefused(await classic.gql(TWO_LEVELS), 'cost');
      expect(classic.sqlCount() - before).toBe(0);
    } finally {
      await classic.close();
    }
  });

  it('is configurable per caller class, and a response-size ceiling backs it up', async () => {
    const strict = await startTestHub(engine, 'querylimitsconf', {
      queryLimits: { anonymous: { maxDepth: 3 }, authenticated: { maxDepth: 4 } },
    });
    try {
      const key = await issueKey(strict, 'AGENCY');
      expectRefused(await strict.gql('{ offers { edges { node { id } } } }'), 'depth');
      expect((await strict.as(key)('{ offers { edges { node { id } } } }')).status).toBe(200);
      expectRefused(await strict.as(key)('{ offers { edges { node { partner { id } } } } }'), 'depth');
      expectNoErrors(await strict.gql('{ offers(first: 20) { totalCount } a: offers(first: 20) { totalCount } }'));
      // 20 offers with their descriptions: over 2,000 bytes of JSON, within the depth.
      const strictDepth = await startTestHub(engine, 'querylimitsbytes', { queryLimits: { anonymous: { maxResponseBytes: 2_000 } } });
      try {
        for (let o = 0; o < 20; o++) await createOffer(strictDepth.dataSource, { description: 'x'.repeat(200) });
        const tooLarge = await strictDepth.gql('{ offers(first: 20) { edges { node { id description } } } }');
        expect(tooLarge.status).toBe(400);
        expect(tooLarge.errors?.[0].extensions).toMatchObject({ code: 'RESPONSE_TOO_LARGE', max: 2_000 });
        expect((await strictDepth.gql('{ offers(first: 2) { edges { node { id } } } }')).status).toBe(200);
      } finally {
        await strictDepth.close();
      }
    } finally {
      await strict.close();
    }
  });
});
