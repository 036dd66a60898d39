import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const UPSERT = `mutation($offers: [OfferInput!]!, $batchId: String) {
  upsertOffers(offers: $offers, batchId: $batchId) { created replayed results { externalId status currentStatus offer { id status } } } }`;
const WITHDRAW = `mutation($ids: [String!]!) { withdrawOffers(externalIds: $ids) { withdrawn } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Offer { externalId status } } offer(id: $id) { externalId status } }`;
const PARTNER_OFFERS = `query($id: ID!, $statuses: [OfferStatus!]) {
  partner(id: $id) { offers(first: 50, statuses: $statuses) { totalCount edges { node { externalId status } } } } }`;
const MY_OFFERS = `query($statuses: [OfferStatus!]) {
  viewer { offers(first: 50, statuses: $statuses) { totalCount edges { node { externalId status source } } } } }`;

/**
 * A partner reconciles its catalogue: it sees its own offers in every status (node, offer,
 * Partner.offers with statuses, viewer.offers), the agency sees every offer, the public and other
 * partners see ACTIVE ones only. A replayed batchId says what became of the offers since.
 */
describe.each(engines())('own offers in every status on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let other: PartnerEntity;
  let asPartner: ReturnType<TestHub['as']>;
  let asOther: ReturnType<TestHub['as']>;
  let asAgency: ReturnType<TestHub['as']>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestHub(engine, 'ownoffers');
    partner = await createPartner(t.dataSource);
    other = await createPartner(t.dataSource);
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    asOther = t.as(await issueKey(t, 'PARTNER', other));
    asAgency = t.as(await issueKey(t, 'AGENCY'));
    const created = await asPartner(UPSERT, { offers: [offerInput('live'), offerInput('gone')], batchId: 'b-1' });
    expectNoErrors(created);
    for (const r of created.data.upsertOffers.results) ids[r.externalId] = r.offer.id;
    expectNoErrors(await asPartner(WITHDRAW, { ids: ['gone'] }));
    // Past validThrough, not yet marked by the expiry run: EXPIRED for its owner at once.
    const lapsed = await createOffer(t.dataSource, { partner, externalId: 'lapsed', validThrough: new Date(Date.now() - 60_000) });
    ids.lapsed = toGlobalId('Offer', lapsed.id);
    await createOffer(t.dataSource, { partner: null, externalId: 'agency-withdrawn', status: 'WITHDRAWN' });
  });
  afterAll(() => t?.close());

  it('node(id) and offer(id): the owner and the agency see a withdrawn offer, the public and other partners get null', async () => {
    for (const ask of [asPartner, asAgency]) {
      const res = await ask(NODE, { id: ids.gone });
      expectNoErrors(res);
      expect(res.data).toEqual({ node: { externalId: 'gone', status: 'WITHDRAWN' }, offer: { externalId: 'gone', status: 'WITHDRAWN' } });
    }
    for (const ask of [t.gql.bind(t), asOther]) expect((await ask(NODE, { id: ids.gone })).data).toEqual({ node: null, offer: null });
    expect((await asPartner(NODE, { id: ids.lapsed })).data.node).toEqual({ externalId: 'lapsed', status: 'EXPIRED' });
    expect((await t.gql(NODE, { id: ids.lapsed })).data.node).toBeNull();
  });

  it('Partner.offers lists every status for the owner and the agency, filtered by statuses; ACTIVE only for others', async () => {
    const id = toGlobalId('Partner', partner.id);
    const listed = async (ask: (q: string, v?: Record<string, unknown>) => Promise<any>, statuses?: string[]) => {
      const res = await ask(PARTNER_OFFERS, { id, statuses });
      expectNoErrors(res);
      const conn = res.data.partner.offers;
      return { total: conn.totalCount, offers: conn.edges.map((e: any) => `${e.node.externalId}:${e.node.status}`).sort() };
    };
    const all = { total: 3, offers: ['gone:WITHDRAWN', 'lapsed:EXPIRED', 'live:ACTIVE'] };
    expect(await listed(asPartner, ['ACTIVE', 'WITHDRAWN', 'EXPIRED'])).toEqual(all);
    expect(await listed(asAgency, ['ACTIVE', 'WITHDRAWN', 'EXPIRED'])).toEqual(all);
    expect(await listed(asPartner, ['WITHDRAWN'])).toEqual({ total: 1, offers: ['gone:WITHDRAWN'] });
    expect(await listed(asPartner, ['EXPIRED'])).toEqual({ total: 1, offers: ['lapsed:EXPIRED'] });
    const publicView = { total: 1, offers: ['live:ACTIVE'] };
    expect(await listed(asPartner)).toEqual(publicView);
    expect(await listed(t.gql.bind(t))).toEqual(publicView);
    expect(await listed(asOther, ['ACTIVE'])).toEqual(publicView);
    const refused = await asOther(PARTNER_OFFERS, { id, statuses: ['WITHDRAWN'] });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(PARTNER_OFFERS, { id, statuses: ['EXPIRED'] })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it("viewer.offers: a partner's own offers in every status by default, the agency's own offers, nothing for the public", async () => {
    const mine = await asPartner(MY_OFFERS);
    expectNoErrors(mine);
    expect(mine.data.viewer.offers.totalCount).toBe(3);
    expect(mine.data.viewer.offers.edges.map((e: any) => e.node.externalId).sort()).toEqual(['gone', 'lapsed', 'live']);
    const withdrawn = await asPartner(MY_OFFERS, { statuses: ['WITHDRAWN'] });
    expect(withdrawn.data.viewer.offers.edges.map((e: any) => e.node.externalId)).toEqual(['gone']);
    const agency = await asAgency(MY_OFFERS);
    expectNoErrors(agency);
    expect(agency.data.viewer.offers.edges.map((e: any) => `${e.node.externalId}:${e.node.source}:${e.node.status}`)).toEqual([
      'agency-withdrawn:AGENCY:WITHDRAWN',
    ]);
    expect((await t.gql(MY_OFFERS)).data.viewer.offers).toEqual({ totalCount: 0, edges: [] });
    const keywords = await asPartner('{ viewer { offers(filter: { keywords: "offre" }) { totalCount } } }');
    expect(keywords.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.keywords' } });
  });

  it('a replayed batchId says it is a replay, and what became of each offer since', async () => {
    const replay = await asPartner(UPSERT, { offers: [offerInput('live'), offerInput('gone')], batchId: 'b-1' });
    expectNoErrors(replay);
    expect(replay.data.upsertOffers).toMatchObject({ created: 2, replayed: true });
    expect(replay.data.upsertOffers.results.map((r: any) => [r.externalId, r.status, r.currentStatus])).toEqual([
      ['live', 'CREATED', 'ACTIVE'],
      ['gone', 'CREATED', 'WITHDRAWN'],
    ]);
    const fresh = await asPartner(UPSERT, { offers: [offerInput('new-one')], batchId: 'b-2' });
    expect(fresh.data.upsertOffers).toMatchObject({ replayed: false, results: [{ status: 'CREATED', currentStatus: 'ACTIVE' }] });
  });
});
