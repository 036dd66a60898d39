import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const INTROSPECT = '{ __schema { queryType { name } } __type(name: "Offer") { fields { name } } }';

/** GRAPHQL_INTROSPECTION: off by default in production, on when set, for internal tools and client codegen. */
describe.each(engines())('introspection on %s', (engine) => {
  let off: TestHub;
  let on: TestHub;
  beforeAll(async () => {
    off = await startTestHub(engine, 'introoff', { introspection: false });
    on = await startTestHub(engine, 'introon', { introspection: true });
  });
  afterAll(async () => {
    await off?.close();
    await on?.close();
  });

  it('answers the schema when the setting allows it', async () => {
    const res = await on.gql(INTROSPECT);
    expectNoErrors(res);
    expect(res.data.__schema.queryType.name).toBe('Query');
    expect(res.data.__type.fields.map((f: { name: string }) => f.name)).toContain('externalId');
  });

  it('refuses it when off, naming the setting to change rather than source code', async () => {
    const res = await off.gql(INTROSPECT);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(res.errors?.[0].message).toMatch(/GRAPHQL_INTROSPECTION=true/);
    expect(res.errors?.[0].message).toMatch(/schema\/\*\.graphql/);
    expect(res.errors?.[0].message).not.toMatch(/pass introspection/);
    // Queries that do not introspect are untouched; __typename is not introspection.
    expectNoErrors(await off.gql('{ offers(first: 1) { __typename totalCount } }'));
  });
});
