import { toGlobalId } from '../../src/lib/ids';
import { createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

describe.each(engines())('API keys and roles on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'auth', { serviceSettings: { adminKey: 'bootstrap-admin-key-for-tests' } });
  });
  afterAll(() => t?.close());

  const VIEWER = '{ viewer { role partner { code } } }';

  it('tells each role who it is', async () => {
    const partner = await createPartner(t.dataSource, { code: 'keljob' });
    expect((await t.gql(VIEWER)).data.viewer).toEqual({ role: 'PUBLIC', partner: null });
    expect((await t.as(await issueKey(t, 'PARTNER', partner))(VIEWER)).data.viewer).toEqual({
      role: 'PARTNER',
      partner: { code: 'keljob' },
    });
    expect((await t.as(await issueKey(t, 'AGENCY'))(VIEWER)).data.viewer).toEqual({ role: 'AGENCY', partner: null });
    expect((await t.as('bootstrap-admin-key-for-tests')(VIEWER)).data.viewer).toEqual({ role: 'AGENCY', partner: null });
  });

  it.each([
    ['an unknown key', 'psk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'],
    ['a malformed key', 'hello'],
  ])('answers 401 UNAUTHENTICATED to %s, never PUBLIC', async (_name, key) => {
    const res = await t.as(key)(VIEWER);
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeUndefined();
  });

  it('issues a key shown once, stores only its hash, and revokes it for the next request', async () => {
    const admin = t.as(await issueKey(t, 'AGENCY'));
    const partner = await createPartner(t.dataSource);
    const issued = await admin(
      `mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "feed robot") { key apiKey { id prefix label role partner { id } lastUsedAt revokedAt } } }`,
      { p: toGlobalId('Partner', partner.id) },
    );
    expectNoErrors(issued);
    const { key, apiKey } = issued.data.issueApiKey;
    expect(key.startsWith(apiKey.prefix + '_')).toBe(true);
    expect(apiKey.lastUsedAt).toBeNull();
    const stored = await t.dataSource.query('SELECT * FROM api_key WHERE prefix = ?', [apiKey.prefix]);
    expect(JSON.stringify(stored)).not.toContain(key.slice(apiKey.prefix.length + 1));

    expect((await t.as(key)(VIEWER)).data.viewer.role).toBe('PARTNER');
    const listed = await admin('{ apiKeys { prefix lastUsedAt } }');
    expect(listed.data.apiKeys.find((k: any) => k.prefix === apiKey.prefix).lastUsedAt).not.toBeNull();

    const revoked = await admin('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id });
    expectNoErrors(revoked);
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    const after = await t.as(key)(VIEWER);
    expect(after.status).toBe(401);
    expect(after.errors?.[0].message).toMatch(/revoked/);
  });

  it('issues a key with an expiry: it works until then, lists its expiry and last use, and then gets a 401 saying it expired', async () => {
    const admin = t.as(await issueKey(t, 'AGENCY'));
    const partner = await createPartner(t.dataSource);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const issued = await admin(
      'mutation($p: ID, $e: DateTime) { issueApiKey(partnerId: $p, role: PARTNER, expiresAt: $e) { key apiKey { id prefix expiresAt } } }',
      { p: toGlobalId('Partner', partner.id), e: expiresAt },
    );
    expectNoErrors(issued);
    const { key, apiKey } = issued.data.issueApiKey;
    expect(apiKey.expiresAt).toBe(expiresAt);
    expect((await t.as(key)(VIEWER)).status).toBe(200);
    const listed = (await admin('{ apiKeys { prefix expiresAt lastUsedAt } }')).data.apiKeys.find((k: any) => k.prefix === apiKey.prefix);
    expect(listed.expiresAt).toBe(expiresAt);
    expect(listed.lastUsedAt).not.toBeNull();

    // Time passes (the stored expiry moved to a fixed past instant): the key is refused, saying why.
    await t.dataSource.query("UPDATE api_key SET expires_at = '2026-01-31 23:00:00.000' WHERE prefix = ?", [apiKey.prefix]);
    const res = await t.as(key)(VIEWER);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/expired at 2026-01-31T23:00:00.000Z/),
      extensions: { code: 'UNAUTHENTICATED', reason: 'EXPIRED', expiredAt: '2026-01-31T23:00:00.000Z' },
    });

    const past = await admin('mutation { issueApiKey(role: AGENCY, expiresAt: "2026-01-01T00:00:00Z") { key } }');
    expect(past.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'expiresAt' } });
  });

  it('rate-limits per key with RATE_LIMITED and a retry-after', async () => {
    const limited = await startTestHub(engine, 'ratelimit', {
      limits: { keyPerSecond: 1, keyBurst: 3, publicPerSecond: 1, publicBurst: 2 },
    });
    try {
      const key = await issueKey(limited, 'AGENCY');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.as(key)(VIEWER)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      const res = await limited.as(key)(VIEWER);
      expect(res.status).toBe(429);
      expect(res.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      expect(Number(res.errors?.[0].extensions?.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another key has its own bucket; anonymous callers share theirs by address.
      expect((await limited.as(await issueKey(limited, 'AGENCY'))(VIEWER)).status).toBe(200);
      const anon = [];
      for (let i = 0; i < 4; i++) anon.push((await limited.gql(VIEWER)).status);
      expect(anon).toContain(429);
      // Report pages too, in a bucket of their own (a page without a key is a 401 until limited).
      const pages = [];
      for (let i = 0; i < 4; i++) pages.push(await fetch(limited.url.replace('/graphql', '/reports/hub')));
      expect(pages.slice(0, 2).map((p) => p.status)).toEqual([401, 401]);
      const limitedPage = pages.find((p) => p.status === 429);
      expect(Number(limitedPage?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });

  it('accepts larger bodies from authenticated callers than from anonymous ones', async () => {
    const padding = 'x'.repeat(400 * 1024);
    const query = `{ viewer { role } } # ${padding}`;
    const anon = await t.gql(query);
    expect(anon.status).toBe(413);
    const agency = await t.as(await issueKey(t, 'AGENCY'))(query);
    expect(agency.status).toBe(200);
  });
});
