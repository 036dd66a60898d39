import fs from 'node:fs';
import path from 'node:path';
import type { PartnerEntity } from '../../entities';
import { seedDemoActivity } from '../../src/seed/demo-activity';
import { DEMO_OFFER_COUNT, seedDatabase } from '../../src/seed/seed';
import { getReferentials } from '../../src/referentials/referential.service';
import { addDays, parisDay } from '../../src/lib/paris-day';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** A GraphQL example of the README, taken from it (so the test follows the README). */
function example(pattern: RegExp): string {
  const match = pattern.exec(README);
  if (!match) throw new Error(`README example not found: ${pattern}`);
  return match[0];
}

/** The demo's "now", injected: a fixed instant, so the test never depends on today's date. */
const NOW = new Date('2026-11-16T09:30:00Z');
const FROM = addDays(parisDay(NOW), -29);
const TO = parisDay(NOW);

/**
 * `npm start`'s first look: the demo seed (offers, then CVs, consents and a month of audience up to
 * its "now") makes every example of the README answer something, for the role it names.
 */
describe.each(engines())('the demo seed on %s', (engine) => {
  let t: TestHub;
  let demoPartner: PartnerEntity;
  let asPartner: ReturnType<TestHub['as']>;
  let asAgency: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'demoseed');
    await seedDatabase(t.dataSource, { totalOffers: DEMO_OFFER_COUNT });
    const report = await seedDemoActivity(t.dataSource, { now: NOW });
    expect(report).toMatchObject({ cvsCreated: 400 });
    expect(report.consentsCreated).toBeGreaterThan(100);
    expect(report.audienceEvents).toBeGreaterThan(20_000);
    // main.ts prints a PARTNER key for the first partner by name: the README's partner examples use it.
    [demoPartner] = await t.hub.services.partners.list();
    expect(report.consentPartners[0]).toBe(demoPartner.code);
    asPartner = t.as(await issueKey(t, 'PARTNER', demoPartner));
    asAgency = t.as(await issueKey(t, 'AGENCY'));
  });
  afterAll(() => t?.close());

  it('is idempotent: a second run adds no CV, consent nor event', async () => {
    expect(await seedDemoActivity(t.dataSource, { now: NOW })).toMatchObject({ cvsCreated: 0, consentsCreated: 0, audienceEvents: 0 });
  });

  it('builds CVs from real ROME occupations and communes, for fictitious people', async () => {
    const res = await asAgency(
      '{ candidates(first: 100) { edges { node { romeCodes location { communeCode } contact { name email phone } } } } }',
    );
    expectNoErrors(res);
    const cvs = res.data.candidates.edges.map((e: any) => e.node);
    expect(cvs).toHaveLength(100);
    const referentials = getReferentials();
    for (const cv of cvs) {
      for (const code of cv.romeCodes) expect(referentials.rome(code)).not.toBeNull();
      expect(referentials.commune(cv.location.communeCode)).not.toBeNull();
      expect(cv.contact.email).toMatch(/@example\.org$/);
      expect(cv.contact.phone).toMatch(/^\+3363998/);
    }
  });

  it('answers the offer examples', async () => {
    const curl =
      '{ offers(first: 3, filter: { keywords: "ingénieur", departmentCodes: ["74"] }) { totalCount edges { node { title partner { name } location { city } } } } }';
    expect(README).toContain(curl.replaceAll('"', '\\"'));
    const search = example(/query Search\(\$after: String\) \{[\s\S]*?\n\}/);
    const partners = example(/\{ partners \{[^\n]*\} \} \} \} \}/);
    const node = example(/\{ node\(id: "T2ZmZXI6MQ"\) \{ \.\.\. on Offer \{ title \} \} \}/);
    const answer = async (query: string) => {
      const res = await t.gql(query);
      expectNoErrors(res);
      return res.data;
    };
    expect((await answer(curl)).offers.totalCount).toBeGreaterThan(0);
    expect((await answer(search)).offers.totalCount).toBeGreaterThan(0);
    const listed = (await answer(partners)).partners;
    expect(listed.length).toBeGreaterThan(30);
    expect(listed.every((p: any) => p.activeOfferCount > 0 && p.offers.edges.length > 0)).toBe(true);
    expect((await answer(node)).node.title).toBeTruthy();
  });

  it("answers the candidate example for the demo partner's key", async () => {
    const query = example(/\{ candidates\(first: 5, filter: \{ departmentCodes: \["74"\] \}\) \{[\s\S]*?\} \} \} \} \}/);
    const res = await asPartner(query);
    expectNoErrors(res);
    expect(res.data.candidates.edges.length).toBeGreaterThan(0);
  });

  it('answers the audience examples over the seeded month, for the agency and the demo partner', async () => {
    const audience = example(/query Audience\(\$from: Date!, \$to: Date!\) \{[\s\S]*?\} \} \}/);
    for (const ask of [asAgency, asPartner]) {
      const res = await ask(audience, { from: FROM, to: TO });
      expectNoErrors(res);
      const { totals, series } = res.data.audience;
      expect(totals.impressions).toBeGreaterThan(0);
      expect(totals.views).toBeGreaterThan(0);
      expect(totals.uniqueVisitors).toBeGreaterThan(0);
      expect(series.filter((p: any) => p.impressions > 0)).toHaveLength(series.length); // every week of the month
    }
    const link = example(/query Link\(\$from: Date!, \$to: Date!\) \{[^\n]*\} \}/);
    const linked = await asPartner(link, { from: FROM, to: TO });
    expectNoErrors(linked);
    expect(linked.data.reportLink.path).toMatch(/^\/reports\/audience\?/);
    const hubStats = example(/\{ hubStats \{[^\n]*\} \} \} \}/);
    const stats = await asAgency(hubStats);
    expectNoErrors(stats);
    expect(stats.data.hubStats.activeOffers).toBeGreaterThan(10_000);
    // The offers' audience example (last 30 days from the request): answered for the owner (the
    // counts depend on today's date against the injected one, so only their presence is checked).
    const own = example(/\{ viewer \{ partner \{ offers\(first: 5\)[^\n]*\} \} \} \} \} \} \}/);
    const offers = await asPartner(own);
    expectNoErrors(offers);
    const nodes = offers.data.viewer.partner.offers.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const offer of nodes) expect(offer.audience).toEqual({ views: expect.any(Number), applyClicks: expect.any(Number) });
  });
});
