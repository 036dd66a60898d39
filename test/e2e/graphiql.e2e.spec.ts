import type { BrowserContext } from 'playwright-core';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';
import { describeWithChromium, launchChromium } from '../helpers/chromium';

/**
 * GraphiQL at GET /graphql in Debian's Chromium (playwright-core, no browser download): the page
 * loads from the hub alone (no CDN), and a query typed in it returns offers. Skipped loudly
 * without /usr/bin/chromium, or fails with REQUIRE_CHROMIUM=1.
 */

describeWithChromium('the GraphiQL tests')('GraphiQL in Chromium', () => {
  let browser: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let t: TestHub;
  let agencyKey: string;

  beforeAll(async () => {
    // The page is the same whatever the engine: SQLite is enough.
    t = await startTestHub(engines()[0], 'graphiql', { graphiql: true });
    const partner = await createPartner(t.dataSource, { name: 'Meteojob' });
    await createOffer(t.dataSource, { partner, title: 'Cuisinier de collectivité', commune: '74010' });
    await createOffer(t.dataSource, { title: 'Plongeur en restauration', commune: '74010' });
    agencyKey = await issueKey(t, 'AGENCY');
    t.hub.setDemoKeys({ agencyKey, partnerKey: null, partnerName: null });
    chromium = await launchChromium({ width: 1400, height: 900 });
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  it('loads from the hub alone, shows the demo key as a header example, and runs a typed query', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(e.message));
    const origin = new URL(t.url).origin;
    const response = await page.goto(t.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);
    await page.waitForSelector('.graphiql-query-editor .monaco-editor', { timeout: 60_000 });

    // GraphiQL's tabs animate into place: a click lands once they have settled.
    const selectTab = async (name: string) => {
      const tab = page.locator('.graphiql-tab', { hasText: name });
      for (let attempt = 0; attempt < 40 && !((await tab.getAttribute('class')) ?? '').includes('graphiql-tab-active'); attempt++) {
        await tab.locator('.graphiql-tab-button').click();
        await page.waitForTimeout(250);
      }
      expect(await tab.getAttribute('class')).toContain('graphiql-tab-active');
    };
    const responseText = async (expected: string) => {
      await page.waitForFunction(
        (text) =>
          ((globalThis as any).document.querySelector('.graphiql-response')?.innerText ?? '').replace(/\u00a0/g, ' ').includes(text),
        expected,
        { timeout: 30_000 },
      );
      // (Monaco renders spaces as no-break spaces.)
      return (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
    };

    // The AsAgency tab carries the demo AGENCY key in its headers, and running it is the agency.
    await selectTab('AsAgency');
    await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).first().click();
    expect(await page.locator('.graphiql-editor-tool').innerText()).toContain(agencyKey.slice(0, 14));
    await page.locator('.graphiql-execute-button').click();
    expect(await responseText('"role"')).toMatch(/"role":\s*"AGENCY"/);
    await selectTab('PublicSearch');

    // Type a query in the editor and run it.
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('query Typed { offers(first: 5) { totalCount edges { node { title } } } }');
    // GraphiQL takes the operation's name from the editor after a debounce: run once it has it.
    await page.locator('.graphiql-tab-active', { hasText: 'Typed' }).waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    const text = await responseText('totalCount');
    expect(text).toContain('Cuisinier de collectivité');
    expect(text).toContain('Plongeur en restauration');
    expect(text).toMatch(/"totalCount":\s*2/);

    expect(problems).toEqual([]);
    const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
  });
});
