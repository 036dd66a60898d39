import type { CorsPolicy } from '../../src/config';
import { NO_CORS } from '../../src/config';
import { createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';

const SITE = 'https://emploi.example.fr';
const ELSEWHERE = 'https://evil.example.com';
const QUERY = JSON.stringify({ query: '{ viewer { role } }' });

/** CORS on /graphql with node's fetch (which sends Origin as told and ignores CORS itself): what a browser is told. */
describe.each(engines())('CORS on %s', (engine) => {
  const hubs: Record<string, TestHub> = {};
  let key: string;
  beforeAll(async () => {
    const policies: Record<string, CorsPolicy | undefined> = {
      listed: { any: false, origins: [SITE], localhost: false },
      any: { any: true },
      none: NO_CORS,
      default: undefined, // NODE_ENV is not production under jest: localhost origins
    };
    for (const [name, cors] of Object.entries(policies)) hubs[name] = await startTestHub(engine, `cors${name}`, cors ? { cors } : {});
    key = await issueKey(hubs.listed, 'PARTNER', await createPartner(hubs.listed.dataSource));
  });
  afterAll(async () => {
    for (const hub of Object.values(hubs)) await hub.close();
  });

  const preflight = (hub: TestHub, origin: string) =>
    fetch(hub.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
  const post = (hub: TestHub, origin: string, headers: Record<string, string> = {}) =>
    fetch(hub.url, { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body: QUERY });

  it('answers a preflight from a listed origin with 204 and what the page may send, with credentials', async () => {
    const res = await preflight(hubs.listed, SITE);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type.*authorization/);
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('lets a listed origin read answers, errors included, and tells other origins nothing', async () => {
    const ok = await post(hubs.listed, SITE, { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(ok.headers.get('access-control-expose-headers')).toBe('retry-after');
    expect(((await ok.json()) as any).data.viewer.role).toBe('PARTNER');
    const denied = await post(hubs.listed, SITE, { authorization: 'Bearer psk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(SITE);

    for (const res of [await preflight(hubs.listed, ELSEWHERE), await post(hubs.listed, ELSEWHERE)]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBe('true'); // harmless without Allow-Origin
    }
    expect((await preflight(hubs.listed, ELSEWHERE)).status).toBe(204);
  });

  it('"*" allows every origin and never with credentials', async () => {
    for (const res of [await preflight(hubs.any, ELSEWHERE), await post(hubs.any, ELSEWHERE)]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('none (the production default) answers preflights 204 without allowing anyone', async () => {
    const res = await preflight(hubs.none, SITE);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(hubs.none, SITE)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows localhost origins by default outside production', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080']) {
      expect((await preflight(hubs.default, origin)).headers.get('access-control-allow-origin')).toBe(origin);
    }
    expect((await preflight(hubs.default, 'http://localhost.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(hubs.default, SITE)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps CSRF prevention for everything but preflights, even from a listed origin', async () => {
    const simplePost = await fetch(hubs.listed.url, {
      method: 'POST',
      headers: { origin: SITE, 'content-type': 'text/plain' },
      body: QUERY,
    });
    expect(simplePost.status).toBe(400);
    expect(await simplePost.text()).toMatch(/CSRF/);
    const simpleGet = await fetch(`${hubs.listed.url}?query=${encodeURIComponent('{ viewer { role } }')}`, { headers: { origin: SITE } });
    expect(simpleGet.status).toBe(400);
    const markedGet = await fetch(`${hubs.listed.url}?query=${encodeURIComponent('{ viewer { role } }')}`, {
      headers: { origin: SITE, 'apollo-require-preflight': 'true' },
    });
    expect(markedGet.status).toBe(200);
  });
});
