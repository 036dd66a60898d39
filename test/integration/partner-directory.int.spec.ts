import type { DataSource } from 'typeorm';
import type { OfferEntity, PartnerEntity } from '../../entities';
import { openDatabase } from '../../src/db/data-source';
import { toGlobalId } from '../../src/lib/ids';
import { startHub, type RunningHub } from '../../src/server';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const PAGE = 'query($p: ID!) { offers(first: 5, filter: { partnerIds: [$p] }) { edges { node { id title partner { name status } } } } }';
const DETAIL = 'query($id: ID!) { offer(id: $id) { id partner { name } } }';

/**
 * Issue 18: the public read path takes the suspended partners (and each page's partners) from an
 * in-process directory refreshed on the offer-stock version instead of a subquery per request.
 * A suspension made through a hub hides the partner's offers in that hub's very next request; in
 * another process within STOCK_VERSION_POLL_MS (the shared version), as counts and the response
 * cache. Hub B has its own data source on the same database, as a second process would; the clock
 * is driven by hand, so nothing depends on timing.
 */
describe.each(engines())('suspended partners across processes on %s', (engine) => {
  let a: TestHub;
  let otherSource: DataSource;
  let b: RunningHub;
  let partner: PartnerEntity;
  let offer: OfferEntity;
  let agency: (query: string, variables?: Record<string, unknown>) => Promise<any>;
  let clock: number;

  beforeAll(async () => {
    a = await startTestHub(engine, 'partnerdir');
    otherSource = await openDatabase(a.config);
    b = await startHub(otherSource, { port: 0, host: '127.0.0.1' });
    partner = await createPartner(a.dataSource, { name: 'Board seen twice' });
    offer = await createOffer(a.dataSource, { partner, title: 'Soudeur TIG' });
    agency = a.as(await issueKey(a, 'AGENCY'));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await b?.close();
    await otherSource?.destroy();
    await a?.close();
  });

  const anonymous = async (port: number, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  /** What an anonymous caller of each hub sees of the partner's offers: page titles and partner, the detail's partner. */
  const seenOn = async (port: number) => {
    const page = await anonymous(port, PAGE, { p: toGlobalId('Partner', partner.id) });
    const detail = await anonymous(port, DETAIL, { id: toGlobalId('Offer', offer.id) });
    return {
      page: page.offers.edges.map((e: any) => `${e.node.title} by ${e.node.partner.name} (${e.node.partner.status})`),
      detail: detail.offer?.partner.name ?? null,
    };
  };
  const shown = { page: ['Soudeur TIG by Board seen twice (ACTIVE)'], detail: 'Board seen twice' };
  const hidden = { page: [], detail: null };

  it('hides a partner suspended through hub A at once on A, and on B once B reads the shared version again', async () => {
    clock = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    expect(await seenOn(a.hub.port)).toEqual(shown);
    expect(await seenOn(b.port)).toEqual(shown);

    expectNoErrors(await agency('mutation($id: ID!) { suspendPartner(id: $id) { status } }', { id: toGlobalId('Partner', partner.id) }));
    expect(await seenOn(a.hub.port)).toEqual(hidden);
    // B read the shared version less than STOCK_VERSION_POLL_MS ago: its directory stands (documented)...
    clock += 500;
    expect(await seenOn(b.port)).toEqual(shown);
    // ...and once the poll is due, B reads the version, then the partners again.
    clock += 500;
    expect(await seenOn(b.port)).toEqual(hidden);

    expectNoErrors(await agency('mutation($id: ID!) { reactivatePartner(id: $id) { status } }', { id: toGlobalId('Partner', partner.id) }));
    expect(await seenOn(a.hub.port)).toEqual(shown);
    clock += 1000;
    expect(await seenOn(b.port)).toEqual(shown);
  });

  it("shows the offers of a partner B's directory does not know yet with their partner (read by id)", async () => {
    const newcomer = await createPartner(a.dataSource, { name: 'Board from elsewhere' });
    await createOffer(a.dataSource, { partner: newcomer, title: 'Chaudronnier' });
    // No poll due on B: its directory predates the partner; the page reads it by id instead.
    const page = await anonymous(b.port, PAGE, { p: toGlobalId('Partner', newcomer.id) });
    expect(page.offers.edges.map((e: any) => `${e.node.title} by ${e.node.partner.name}`)).toEqual([
      'Chaudronnier by Board from elsewhere',
    ]);
  });
});
