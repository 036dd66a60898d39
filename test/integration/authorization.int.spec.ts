import { toGlobalId } from '../../src/lib/ids';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';

type Caller = 'PUBLIC' | 'PARTNER_A' | 'PARTNER_B' | 'AGENCY';
type Expected = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** Every mutation against every role: who may do what. */
describe.each(engines())('authorization matrix on %s', (engine) => {
  let t: TestHub;
  const call: Partial<Record<Caller, (q: string, v?: Record<string, unknown>) => Promise<GraphQLResponse>>> = {};
  let partnerA: { id: number };
  let keyIdOfB: string;

  beforeAll(async () => {
    t = await startTestHub(engine, 'authz');
    partnerA = await createPartner(t.dataSource, { code: 'board-a' });
    const partnerB = await createPartner(t.dataSource, { code: 'board-b' });
    call.PUBLIC = (q, v) => t.gql(q, v);
    call.PARTNER_A = t.as(await issueKey(t, 'PARTNER', partnerA as never));
    call.PARTNER_B = t.as(await issueKey(t, 'PARTNER', partnerB));
    call.AGENCY = t.as(await issueKey(t, 'AGENCY'));
    const keys = await call.AGENCY!('query($p: ID) { apiKeys(partnerId: $p) { id } }', { p: toGlobalId('Partner', partnerB.id) });
    keyIdOfB = keys.data.apiKeys[0].id;
  });
  afterAll(() => t?.close());

  let n = 0;
  const mutations: Record<string, () => [string, Record<string, unknown>]> = {
    createPartner: () => ['mutation($c: String!) { createPartner(input: { code: $c, name: "X" }) { id } }', { c: `new-${n++}` }],
    suspendPartner: () => ['mutation($id: ID!) { suspendPartner(id: $id) { id } }', { id: toGlobalId('Partner', partnerA.id) }],
    reactivatePartner: () => ['mutation($id: ID!) { reactivatePartner(id: $id) { id } }', { id: toGlobalId('Partner', partnerA.id) }],
    issueApiKey: () => ['mutation { issueApiKey(role: AGENCY) { key } }', {}],
    revokeApiKey: () => ['mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: keyIdOfB }],
    upsertOffers: () => [
      'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated unchanged } }',
      { o: [offerInput(`m-${n++}`)] },
    ],
    withdrawOffers: () => ['mutation { withdrawOffers(externalIds: ["nothing"]) { notFound } }', {}],
    apiKeys: () => ['{ apiKeys { id } }', {}],
  };
  const agencyOnly: Record<Caller, Expected> = { PUBLIC: 'UNAUTHENTICATED', PARTNER_A: 'FORBIDDEN', PARTNER_B: 'FORBIDDEN', AGENCY: 'OK' };
  const publishers: Record<Caller, Expected> = { PUBLIC: 'UNAUTHENTICATED', PARTNER_A: 'OK', PARTNER_B: 'OK', AGENCY: 'OK' };
  const matrix: Array<[string, Caller, Expected]> = [];
  for (const name of Object.keys(mutations)) {
    const rule = name === 'upsertOffers' || name === 'withdrawOffers' ? publishers : agencyOnly;
    for (const caller of ['PUBLIC', 'PARTNER_A', 'PARTNER_B'] as Caller[]) matrix.push([name, caller, rule[caller]]);
  }
  // The agency last: revokeApiKey would otherwise revoke partner B's key before B's own rows.
  for (const name of Object.keys(mutations)) matrix.push([name, 'AGENCY', 'OK']);

  it.each(matrix)('%s by %s: %s', async (name, caller, expected) => {
    const [query, variables] = mutations[name]();
    const res = await call[caller]!(query, variables);
    if (expected === 'OK') {
      expect(res.errors).toBeUndefined();
    } else {
      expect(res.errors?.[0].extensions?.code).toBe(expected);
      expect(res.data?.[name] ?? null).toBeNull();
    }
  });
});

describe.each(engines())('partners never touch each other’s offers on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'isolation');
  });
  afterAll(() => t?.close());

  it('keeps the same externalId apart per partner, for upsert and withdraw', async () => {
    const a = await createPartner(t.dataSource);
    const b = await createPartner(t.dataSource);
    const asA = t.as(await issueKey(t, 'PARTNER', a));
    const asB = t.as(await issueKey(t, 'PARTNER', b));
    const UPSERT = 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { results { status offer { id title partner { id } } } } }';
    const mine = await asA(UPSERT, { o: [offerInput('shared-ref', { title: 'Offre de A' })] });
    const theirs = await asB(UPSERT, { o: [offerInput('shared-ref', { title: 'Offre de B' })] });
    expect(theirs.data.upsertOffers.results[0].status).toBe('CREATED');
    expect(theirs.data.upsertOffers.results[0].offer.id).not.toBe(mine.data.upsertOffers.results[0].offer.id);

    const withdraw = await asB('mutation { withdrawOffers(externalIds: ["shared-ref"]) { withdrawn } }');
    expect(withdraw.data.withdrawOffers.withdrawn).toEqual(['shared-ref']);
    const [rowA] = await t.dataSource.query('SELECT status, title FROM offer WHERE partner_id = ?', [a.id]);
    expect(rowA).toEqual({ status: 'ACTIVE', title: 'Offre de A' });
  });
});
