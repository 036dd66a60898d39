import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';
import { describeWithChromium, launchChromium } from '../helpers/chromium';

/**
 * CORS as a browser enforces it: a page served from another origin calls the hub with fetch (JSON
 * body and an API key: a preflighted request). Debian's Chromium through playwright-core, as the
 * report-page tests; skipped loudly without it (REQUIRE_CHROMIUM=1: a failure).
 */

/** What the page's script reports: the answer it could read, or the error fetch threw. */
type CallOutcome = { status: number; body: any; retryAfter: string | null } | { error: string };

describeWithChromium('the CORS browser tests').each(engines())('a page on another origin calling the hub in Chromium (%s)', (engine) => {
  let browser: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let hub: TestHub;
  let site: http.Server;
  let sitePort: number;
  let key: string;

  beforeAll(async () => {
    // The front end's own server: one empty page. Reached as http://127.0.0.1:<port> (the allowed
    // origin) and as http://localhost:<port> (the same server under another origin, not allowed).
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Front end</title><p>Offres</p>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
    hub = await startTestHub(engine, 'corsbrowser', {
      cors: { any: false, origins: [`http://127.0.0.1:${sitePort}`], localhost: false },
      limits: { keyPerSecond: 1, keyBurst: 2 },
    });
    key = await issueKey(hub, 'PARTNER', await createPartner(hub.dataSource, { code: 'front-end-board' }));

    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await hub?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  /** Opens the page at `pageOrigin` and runs fetch against the hub from it. */
  async function callFrom(pageOrigin: string, apiKey: string): Promise<CallOutcome> {
    const page = await browser.newPage();
    try {
      await page.goto(`${pageOrigin}/`);
      return await page.evaluate(
        async ({ url, bearer }) => {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
              body: JSON.stringify({ query: '{ viewer { role partner { code } } }' }),
            });
            return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
          } catch (err) {
            return { error: String(err) };
          }
        },
        { url: hub.url, bearer: apiKey },
      );
    } finally {
      await page.close();
    }
  }

  it('an allowed origin calls the API with its key and reads the answer, errors and Retry-After included', async () => {
    const outcome = await callFrom(`http://127.0.0.1:${sitePort}`, key);
    expect(outcome).toEqual({
      status: 200,
      body: { data: { viewer: { role: 'PARTNER', partner: { code: 'front-end-board' } } } },
      retryAfter: null,
    });
    const unknown = await callFrom(`http://127.0.0.1:${sitePort}`, 'psk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
    expect(unknown).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    // The key's bucket (burst 2) runs out: the page can read the 429 and when to retry.
    let limited: CallOutcome | null = null;
    for (let i = 0; i < 4 && !(limited && 'status' in limited && limited.status === 429); i++)
      limited = await callFrom(`http://127.0.0.1:${sitePort}`, key);
    expect(limited).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
  });

  it('an origin not allowed is refused by the browser: the page never sees the answer', async () => {
    const outcome = await callFrom(`http://localhost:${sitePort}`, key);
    expect(outcome).toEqual({ error: expect.stringMatching(/Failed to fetch/) });
  });
});
