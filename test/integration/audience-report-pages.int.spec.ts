import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';
import { requestScope } from '../../src/auth/request-scope';

type Caller = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>;
const parisDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' });
const LINK = `query($kind: ReportKind!, $partnerId: ID, $from: Date, $to: Date, $granularity: Granularity, $date: Date) {
  reportLink(kind: $kind, partnerId: $partnerId, from: $from, to: $to, granularity: $granularity, date: $date) { path expiresAt } }`;

/** The values a page carries in data-field/data-value attributes, in document order. */
function dataValues(html: string, field: string): number[] {
  return [...html.matchAll(new RegExp(`data-field="${field.replace('.', '\\.')}" data-value="([^"]+)"`, 'g'))].map((m) => Number(m[1]));
}

/**
 * The HTML report pages over HTTP (their charts are drawn and compared in Chromium by
 * test/e2e/reports.e2e.spec.ts): who may open them, with a signed link or an API key.
 */
describe.each(engines())('report pages on %s', (engine) => {
  let t: TestHub;
  let partnerA: PartnerEntity;
  let partnerB: PartnerEntity;
  let asAgency: Caller;
  let asPartnerA: Caller;
  let keyA: string;
  let agencyKey: string;
  // The hub's clock, fixed: a day in the week after a month and a DST change, never the machine's date.
  const NOW = Date.parse('2026-11-02T09:00:00Z');
  const today = parisDate.format(NOW);
  const from = parisDate.format(NOW - 6 * 86_400_000);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${t.hub.port}${path}`, { headers });

  beforeAll(async () => {
    t = await startTestHub(engine, 'report-pages', { clock: () => new Date(NOW) });
    partnerA = await createPartner(t.dataSource, { code: 'board-a', name: 'Board <A> & Co' });
    partnerB = await createPartner(t.dataSource, { code: 'board-b' });
    const offer = await createOffer(t.dataSource, { partner: partnerA });
    keyA = await issueKey(t, 'PARTNER', partnerA);
    agencyKey = await issueKey(t, 'AGENCY');
    asAgency = t.as(agencyKey);
    asPartnerA = t.as(keyA);
    const events = Array.from({ length: 30 }, (_, i) => ({
      offerId: toGlobalId('Offer', offer.id),
      type: i % 2 ? 'VIEW' : 'IMPRESSION',
      visitorId: `p-${i % 7}`,
      occurredAt: new Date(NOW - (i % 3) * 86_400_000).toISOString(),
    }));
    expectNoErrors(await asAgency('mutation($e: [AudienceEventInput!]!) { recordAudienceEvents(events: $e) { accepted } }', { e: events }));
  });
  afterAll(() => t?.close());

  it('opens a partner’s audience page from a signed link, with the numbers of the GraphQL answer', async () => {
    const link = await asPartnerA(LINK, { kind: 'AUDIENCE', from, to: today });
    expectNoErrors(link);
    const { path, expiresAt } = link.data.reportLink;
    expect(path).toMatch(/^\/reports\/audience\?partner=board-a&from=.+&sig=/);
    expect(Date.parse(expiresAt) - NOW).toBeGreaterThan(10 * 60_000);
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('Board &lt;A&gt; &amp; Co'); // escaped
    expect(html).not.toContain('Board <A>');
    expect(html).toContain('<script src="/reports/assets/chart.umd.min.js"></script>');
    const answer = (
      await asPartnerA(
        'query($f: Date!, $t: Date!) { audience(from: $f, to: $t) { series { views uniqueVisitors } totals { impressions views uniqueVisitors } } }',
        { f: from, t: today },
      )
    ).data.audience;
    expect(dataValues(html, 'totals.impressions')).toEqual([answer.totals.impressions]);
    expect(dataValues(html, 'totals.uniqueVisitors')).toEqual([answer.totals.uniqueVisitors]);
    expect(dataValues(html, 'views')).toEqual(answer.series.map((p: any) => p.views));
    expect(answer.totals.impressions).toBe(15);
  });

  it('refuses a link that was altered, has expired, or whose key was revoked', async () => {
    const { path } = (await asPartnerA(LINK, { kind: 'AUDIENCE', from, to: today })).data.reportLink;
    expect((await get(path.replace('partner=board-a', 'partner=board-b'))).status).toBe(401);
    expect((await get(path.replace(/sig=[^&]+/, 'sig=AAAA'))).status).toBe(401);
    expect((await get(path.replace(`from=${from}`, 'from=2020-01-01'))).status).toBe(401);
    const viewer = { role: 'PARTNER' as const, partnerId: partnerA.id, apiKeyId: 0 };
    const stale = await t.hub.services.reportLinks.issue(requestScope(viewer, new Date(NOW - 3_600_000)), {
      kind: 'AUDIENCE',
      partnerId: null,
      from,
      to: today,
      granularity: 'DAY',
      date: null,
    });
    const expired = await get(stale.path);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/expired/);

    const key = await issueKey(t, 'PARTNER', partnerA);
    const fresh = (await t.as(key)(LINK, { kind: 'AUDIENCE', from, to: today })).data.reportLink.path;
    expect((await get(fresh)).status).toBe(200);
    const keyId = (await asAgency('query($p: ID) { apiKeys(partnerId: $p) { id } }', { p: toGlobalId('Partner', partnerA.id) })).data
      .apiKeys[0].id;
    expectNoErrors(await asAgency('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: keyId }));
    expect((await get(fresh)).status).toBe(401);
  });

  it('issues links only for what the caller may see', async () => {
    const other = await asPartnerA(LINK, { kind: 'AUDIENCE', partnerId: toGlobalId('Partner', partnerB.id), from, to: today });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await asPartnerA(LINK, { kind: 'HUB' })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(LINK, { kind: 'HUB' })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await asAgency(LINK, { kind: 'AUDIENCE', to: today })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const site = await asAgency(LINK, { kind: 'AUDIENCE', from, to: today, granularity: 'WEEK' });
    expect(site.data.reportLink.path).not.toContain('partner=');
    const hub = await asAgency(LINK, { kind: 'HUB' });
    expect(hub.data.reportLink.path).toMatch(/^\/reports\/hub\?date=/);
    const page = await get(hub.data.reportLink.path);
    expect(page.status).toBe(200);
    const stats = (await asAgency('{ hubStats { activeOffers newOffers } }')).data.hubStats;
    const html = await page.text();
    expect(dataValues(html, 'activeOffers')).toEqual([stats.activeOffers]);
    expect(dataValues(html, 'newOffers')).toEqual([stats.newOffers]);
  });

  it('also takes the Authorization header, with the same rules, and nothing at all is a 401', async () => {
    const path = `/reports/audience?partner=board-b&from=${from}&to=${today}`;
    expect((await get(path, { authorization: `Bearer ${agencyKey}` })).status).toBe(200);
    const forbidden = await get(path, { authorization: `Bearer ${keyA}` });
    expect(forbidden.status).toBe(403);
    expect((await get('/reports/hub', { authorization: `Bearer ${keyA}` })).status).toBe(403);
    expect((await get(`/reports/audience?partner=nobody&from=${from}&to=${today}`, { authorization: `Bearer ${agencyKey}` })).status).toBe(
      404,
    );
    expect((await get(`/reports/audience?from=${today}&to=${from}`, { authorization: `Bearer ${agencyKey}` })).status).toBe(400);
    const anonymous = await get(path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('serves its scripts and stylesheet locally, nothing else', async () => {
    const chart = await get('/reports/assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(await chart.text()).toMatch(/Chart/);
    expect((await get('/reports/assets/report.css')).status).toBe(200);
    expect((await get('/reports/assets/../../package.json')).status).toBe(404);
    expect((await get('/reports/assets/constructor')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${t.hub.port}/reports/hub`, { method: 'POST' })).status).toBe(405);
  });
});
