import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { createConsent, createCv } from '../factories/candidates';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Offer { id title partner { code } } ... on Partner { id code } ... on CandidateCV { id headline } } }`;

/**
 * A test-only second subgraph: a training catalogue that knows which offers each course prepares
 * for (by id) and nothing else about them, so any offer field comes from the hub through _entities.
 */
async function startTrainingSubgraph(
  courses: Array<{ title: string; offerIds: string[] }>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Offer @key(fields: "id", resolvable: false) { id: ID! }
    type Course { title: String! preparesFor: [Offer!]! }
    type Query { courses: [Course!]! }
  `);
  const resolvers = {
    Query: { courses: () => courses },
    Course: { preparesFor: (course: { offerIds: string[] }) => course.offerIds.map((id) => ({ __typename: 'Offer', id })) },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

describe.each(engines())('the hub as a federation subgraph on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let otherPartner: PartnerEntity;

  beforeAll(async () => {
    t = await startTestHub(engine, 'federation');
    partner = await createPartner(t.dataSource, { code: 'board-fed' });
    otherPartner = await createPartner(t.dataSource, { code: 'board-other' });
  });
  afterAll(() => t?.close());

  it('publishes its subgraph SDL with Offer, Partner and CandidateCV keyed by id', async () => {
    const res = await t.gql('{ _service { sdl } }');
    expectNoErrors(res);
    const sdl: string = res.data._service.sdl;
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const type of ['Offer', 'Partner', 'CandidateCV'])
      expect(sdl).toMatch(new RegExp(`type ${type} implements Node\\s+@key\\(fields: "id"\\)`));
  });

  it('resolves 500 offer references in one SQL statement, in order, hidden or unknown ones as null', async () => {
    const offers = [];
    for (let i = 0; i < 498; i++) offers.push(await createOffer(t.dataSource, { partner: i % 2 ? partner : null, title: `Offre ${i}` }));
    const withdrawn = await createOffer(t.dataSource, { status: 'WITHDRAWN' });
    const representations = [
      ...offers.map((o) => ({ __typename: 'Offer', id: toGlobalId('Offer', o.id) })),
      { __typename: 'Offer', id: toGlobalId('Offer', withdrawn.id) },
      { __typename: 'Offer', id: toGlobalId('Offer', 99_999_999) },
    ];
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Offer { id title } } }`;
    await t.gql(query, { r: representations.slice(0, 2) }); // warm-up (compiled query, caches)
    await t.settle();
    const before = t.sqlCount();
    const res = await t.gql(query, { r: representations });
    expectNoErrors(res);
    expect(t.sqlCount() - before).toBe(1);
    expect(res.data._entities).toHaveLength(500);
    expect(res.data._entities.slice(0, 498)).toEqual(offers.map((o, i) => ({ id: toGlobalId('Offer', o.id), title: `Offre ${i}` })));
    expect(res.data._entities.slice(498)).toEqual([null, null]);
  });

  it('gives a CV reference exactly what candidate(id) gives: null without consent, no oracle', async () => {
    const sharedCv = await createCv(t, { headline: 'Partagé avec board-fed' });
    await createConsent(t, sharedCv, { partner, shareContact: false });
    const privateCv = await createCv(t, { headline: 'Partagé avec personne' });
    const asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    const asOther = t.as(await issueKey(t, 'PARTNER', otherPartner));
    const ids = [
      toGlobalId('CandidateCV', sharedCv.id),
      toGlobalId('CandidateCV', privateCv.id),
      toGlobalId('CandidateCV', 99_999_999),
      'not-an-id',
    ];
    const viaEntities = async (send: typeof asPartner) => {
      const res = await send(ENTITIES, { r: ids.map((id) => ({ __typename: 'CandidateCV', id })) });
      expectNoErrors(res);
      return res.data._entities.map((e: { headline: string } | null) => e?.headline ?? null);
    };
    const viaCandidate = async (send: typeof asPartner) => {
      const out = [];
      for (const id of ids)
        out.push((await send('query($id: ID!) { candidate(id: $id) { headline } }', { id })).data?.candidate?.headline ?? null);
      return out;
    };
    expect(await viaEntities(asPartner)).toEqual(['Partagé avec board-fed', null, null, null]);
    expect(await viaEntities(asPartner)).toEqual(await viaCandidate(asPartner));
    expect(await viaEntities(asOther)).toEqual([null, null, null, null]);
    expect(await viaEntities(asOther)).toEqual(await viaCandidate(asOther));
    // Anonymous: the same refusal as candidate(id).
    const anonymous = await t.gql(ENTITIES, { r: [{ __typename: 'CandidateCV', id: ids[0] }] });
    const direct = await t.gql('query($id: ID!) { candidate(id: $id) { headline } }', { id: ids[0] });
    expect(anonymous.errors?.[0]?.extensions?.code ?? null).toBe(direct.errors?.[0]?.extensions?.code ?? null);
    expect(anonymous.data?._entities?.[0] ?? null).toBeNull();
  });

  it('applies the cost limits to _entities as to any query: a deep reference query is refused before any SQL', async () => {
    const deep = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Partner { offers(first: 100) { edges { node { partner { offers(first: 100) { edges { node { partner { offers(first: 100) { edges { node { id } } } } } } } } } } } } } }`;
    await t.settle();
    const before = t.sqlCount();
    const res = await t.gql(deep, { r: [{ __typename: 'Partner', id: toGlobalId('Partner', partner.id) }] });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(t.sqlCount() - before).toBe(0);
  });

  it('composes with another subgraph behind a gateway, which fetches every offer of a query in one batched _entities call', async () => {
    const offers = [
      await createOffer(t.dataSource, { partner, title: 'Cuisinier', romeCode: 'G1602' }),
      await createOffer(t.dataSource, { title: 'Serveur', romeCode: 'G1803' }),
      await createOffer(t.dataSource, { partner, title: 'Commis de cuisine', romeCode: 'G1602' }),
    ];
    const training = await startTrainingSubgraph([
      { title: 'CAP Cuisine', offerIds: [toGlobalId('Offer', offers[0].id), toGlobalId('Offer', offers[2].id)] },
      { title: 'Service en salle', offerIds: [toGlobalId('Offer', offers[1].id)] },
    ]);
    const hubCalls: string[] = [];
    const gateway = new ApolloGateway({
      supergraphSdl: new IntrospectAndCompose({
        subgraphs: [
          { name: 'hub', url: t.url },
          { name: 'training', url: training.url },
        ],
      }),
      buildService: ({ name, url }) =>
        new RemoteGraphQLDataSource({
          url,
          willSendRequest: ({ request }) => {
            if (name === 'hub') hubCalls.push(request.query ?? '');
          },
        }),
    });
    const router = new ApolloServer({ gateway });
    await router.start();
    try {
      hubCalls.length = 0;
      const res = await router.executeOperation({ query: '{ courses { title preparesFor { title rome { code } partner { code } } } }' });
      if (res.body.kind !== 'single') throw new Error('expected a single result');
      expect(res.body.singleResult.errors).toBeUndefined();
      expect(res.body.singleResult.data).toEqual({
        courses: [
          {
            title: 'CAP Cuisine',
            preparesFor: [
              { title: 'Cuisinier', rome: { code: 'G1602' }, partner: { code: 'board-fed' } },
              { title: 'Commis de cuisine', rome: { code: 'G1602' }, partner: { code: 'board-fed' } },
            ],
          },
          { title: 'Service en salle', preparesFor: [{ title: 'Serveur', rome: { code: 'G1803' }, partner: null }] },
        ],
      });
      expect(hubCalls).toHaveLength(1);
      expect(hubCalls[0]).toMatch(/_entities\(representations:/);
    } finally {
      await router.stop();
      await training.stop();
    }
  });
});
