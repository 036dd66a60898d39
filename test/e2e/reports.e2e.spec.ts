import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';
import { describeWithChromium, launchChromium } from '../helpers/chromium';

/**
 * The report pages in a real browser: Debian's Chromium, driven by playwright-core (no browser
 * download). Without /usr/bin/chromium the suite is skipped loudly, or fails with REQUIRE_CHROMIUM=1.
 */

const parisDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' });
type Caller = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>;

describeWithChromium('the report-page tests')('report pages in Chromium', () => {
  let browser: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    chromium = await launchChromium({ width: 1200, height: 900 });
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
  });

  /** Opens a page and returns it with every problem the browser reported and every URL it fetched. */
  async function open(url: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-chart-ready="true"]', { timeout: 15_000 });
    return { page, problems, requests };
  }

  // Callbacks of page.evaluate run in the browser; the project compiles without the DOM library, hence `globalThis as any`.
  /** Whether a canvas has painted pixels (a chart was drawn, not just created). */
  const painted = (page: Page, id: string) =>
    page.evaluate((canvasId) => {
      const win = globalThis as any;
      const canvas = win.document.getElementById(canvasId);
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque++;
      return { width: canvas.width, height: canvas.height, opaque };
    }, id);

  const chartData = (page: Page, id: string) =>
    page.evaluate((canvasId) => {
      const chart = (globalThis as any).Chart.getChart(canvasId);
      return chart
        ? {
            type: chart.config.type,
            labels: chart.data.labels,
            datasets: chart.data.datasets.map((d: any) => ({ label: d.label, data: d.data })),
          }
        : null;
    }, id);

  const cellValues = (page: Page, selector: string, field: string) =>
    page.$$eval(`${selector} [data-field="${field}"]`, (cells) => cells.map((c) => Number((c as any).dataset.value)));

  describe.each(engines())('on %s', (engine) => {
    let t: TestHub;
    let partner: PartnerEntity;
    let asAgency: Caller;
    let asPartner: Caller;
    // The hub's clock, fixed: the 1st of a month (the range crosses a month end), never the machine's date.
    const NOW = Date.parse('2027-03-01T10:00:00Z');
    const today = parisDate.format(NOW);
    const from = parisDate.format(NOW - 9 * 86_400_000);

    beforeAll(async () => {
      t = await startTestHub(engine, 'e2e-reports', { clock: () => new Date(NOW) });
      partner = await createPartner(t.dataSource, { code: 'meteojob', name: 'Meteojob' });
      const other = await createPartner(t.dataSource, { code: 'keljob', name: 'Keljob' });
      const offers = [
        await createOffer(t.dataSource, { partner, commune: '74010', romeCode: 'G1803' }),
        await createOffer(t.dataSource, { partner, commune: '69123', romeCode: 'M1805' }),
        await createOffer(t.dataSource, { partner: other, commune: '75056', romeCode: 'M1805' }),
        await createOffer(t.dataSource, { commune: '13055', romeCode: 'G1803' }),
      ];
      asAgency = t.as(await issueKey(t, 'AGENCY'));
      asPartner = t.as(await issueKey(t, 'PARTNER', partner));
      const types = ['IMPRESSION', 'IMPRESSION', 'VIEW', 'APPLY_CLICK'];
      const events = Array.from({ length: 600 }, (_, i) => ({
        offerId: toGlobalId('Offer', offers[i % offers.length].id),
        type: types[Math.floor(i / offers.length) % types.length],
        visitorId: `visitor-${(i * 13) % 97}`,
        occurredAt: new Date(NOW - ((i * 37) % 6) * 86_400_000 - (i % 50) * 60_000).toISOString(),
      }));
      expectNoErrors(
        await asAgency('mutation($e: [AudienceEventInput!]!) { recordAudienceEvents(events: $e) { accepted } }', { e: events }),
      );
    });
    afterAll(() => t?.close());

    it('draws a partner’s audience with the numbers of the GraphQL answer, using nothing but the hub', async () => {
      const answer = await asPartner(
        'query($f: Date!, $t: Date!) { audience(from: $f, to: $t) { series { periodStart impressions views applyClicks uniqueVisitors } totals { impressions views applyClicks uniqueVisitors } } }',
        { f: from, t: today },
      );
      expectNoErrors(answer);
      const { series, totals } = answer.data.audience;
      expect(totals.views).toBeGreaterThan(0);
      const link = await asPartner('query($f: Date!, $t: Date!) { reportLink(kind: AUDIENCE, from: $f, to: $t) { path } }', {
        f: from,
        t: today,
      });
      const origin = `http://127.0.0.1:${t.hub.port}`;
      const { page, problems, requests } = await open(origin + link.data.reportLink.path);
      try {
        expect(problems).toEqual([]); // no script error, no CSP violation
        expect(requests.every((u) => u.startsWith(origin))).toBe(true); // no CDN
        expect(await page.title()).toContain('Meteojob');

        const chart = await chartData(page, 'audience-chart');
        expect(chart).not.toBeNull();
        expect(chart!.labels).toEqual(series.map((p: any) => p.periodStart));
        expect(chart!.datasets.map((d: any) => d.data)).toEqual([
          series.map((p: any) => p.impressions),
          series.map((p: any) => p.views),
          series.map((p: any) => p.applyClicks),
          series.map((p: any) => p.uniqueVisitors),
        ]);
        const pixels = await painted(page, 'audience-chart');
        expect(pixels.width * pixels.height).toBeGreaterThan(0);
        expect(pixels.opaque).toBeGreaterThan(1000);

        for (const field of ['impressions', 'views', 'applyClicks', 'uniqueVisitors']) {
          expect(await cellValues(page, '#audience-series', field)).toEqual(series.map((p: any) => p[field]));
          expect(await cellValues(page, '.cards', `totals.${field}`)).toEqual([totals[field]]);
        }
        if (process.env.REPORT_SCREENSHOTS)
          await page.screenshot({ path: path.join(process.env.REPORT_SCREENSHOTS, `audience-${engine}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    });

    it('draws the hub’s key figures for the agency with the numbers of hubStats', async () => {
      const answer = await asAgency(`{ hubStats { activeOffers newOffers
        activeOffersBySource { key count } topPartners { key label count }
        activeOffersByRegion { key label count bySource { key count } } activeOffersByRomeDomain { key label count bySource { key count } } } }`);
      expectNoErrors(answer);
      const stats = answer.data.hubStats;
      const link = await asAgency('{ reportLink(kind: HUB) { path } }');
      const { page, problems } = await open(`http://127.0.0.1:${t.hub.port}${link.data.reportLink.path}`);
      try {
        expect(problems).toEqual([]);
        expect(await cellValues(page, '.cards', 'activeOffers')).toEqual([stats.activeOffers]);
        expect(await cellValues(page, '.cards', 'newOffers')).toEqual([stats.newOffers]);
        expect(stats.activeOffers).toBe(4);

        expect((await chartData(page, 'by-source-chart'))!.datasets[0].data).toEqual(stats.activeOffersBySource.map((r: any) => r.count));
        const partners = (await chartData(page, 'top-partners-chart'))!;
        expect(partners.labels).toEqual(stats.topPartners.map((r: any) => r.label));
        expect(partners.datasets[0].data).toEqual(stats.topPartners.map((r: any) => r.count));
        for (const [id, rows] of [
          ['by-region-chart', stats.activeOffersByRegion],
          ['by-domain-chart', stats.activeOffersByRomeDomain],
        ] as const) {
          const chart = (await chartData(page, id))!;
          expect(chart.labels).toEqual(rows.map((r: any) => r.label));
          const part = (source: string) => rows.map((r: any) => r.bySource.find((p: any) => p.key === source).count);
          expect(chart.datasets.map((d: any) => d.data)).toEqual([part('AGENCY'), part('PARTNER')]);
        }
        for (const id of ['by-source-chart', 'top-partners-chart', 'by-region-chart', 'by-domain-chart']) {
          expect((await painted(page, id)).opaque).toBeGreaterThan(500);
        }
        expect(await cellValues(page, '#by-region', 'count')).toEqual(stats.activeOffersByRegion.map((r: any) => r.count));
        if (process.env.REPORT_SCREENSHOTS)
          await page.screenshot({ path: path.join(process.env.REPORT_SCREENSHOTS, `hub-${engine}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
});
