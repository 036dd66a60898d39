import { engines, startTestHub, type TestHub } from '../helpers/test-hub';

describe.each(engines())('bad input on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'badinput');
  });
  afterAll(() => t?.close());

  const cases: Array<[string, string, Record<string, unknown> | undefined, RegExp]> = [
    ['first over the limit', '{ offers(first: 1000) { totalCount } }', undefined, /at most 100|between 0 and 100/],
    ['negative first', '{ offers(first: -1) { totalCount } }', undefined, /between 0 and 100/],
    ['unknown enum literal', '{ offers(filter: { contractTypes: [INTERNSHIP] }) { totalCount } }', undefined, /INTERNSHIP/],
    [
      'unknown enum in variables',
      'query($f: OfferFilter) { offers(filter: $f) { totalCount } }',
      { f: { contractTypes: ['INTERNSHIP'] } },
      /INTERNSHIP/,
    ],
    ['negative radius', '{ offers(filter: { near: { postalCode: "74000", radiusKm: -5 } }) { totalCount } }', undefined, /radiusKm/],
    ['unknown postal code', '{ offers(filter: { near: { postalCode: "00000", radiusKm: 5 } }) { totalCount } }', undefined, /postal code/],
    ['near without a place', '{ offers(filter: { near: { radiusKm: 5 } }) { totalCount } }', undefined, /postalCode or a communeCode/],
    ['malformed cursor', '{ offers(after: "Zm9v") { totalCount } }', undefined, /cursor/],
    // base64url of "p:1e16:1": a well-formed cursor whose date is out of range (issue 14, item 5).
    ['cursor with an out-of-range date', '{ offers(after: "cDoxZTE2OjE") { edges { cursor } } }', undefined, /cursor/],
    ['bad ROME code', '{ offers(filter: { romeCodes: ["XYZ"] }) { totalCount } }', undefined, /ROME/],
    ['bad department', '{ offers(filter: { departmentCodes: ["999"] }) { totalCount } }', undefined, /department/],
    ['bad partner id', '{ offers(filter: { partnerIds: ["nope"] }) { totalCount } }', undefined, /Partner id/],
    ['distance without near', '{ offers(sort: DISTANCE) { totalCount } }', undefined, /near/],
    ['bad date', '{ offers(filter: { publishedSince: "yesterday" }) { totalCount } }', undefined, /DateTime|date/i],
  ];

  it.each(cases)('%s is a clear BAD_USER_INPUT', async (_name, query, variables, message) => {
    const res = await t.gql(query, variables);
    expect(res.data?.offers ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toMatch(message);
    expect(JSON.stringify(res.errors)).not.toMatch(/stacktrace|SELECT|at \w+ \(/);
  });

  it.each([
    ['an enum inside an input object', { myFilter: { source: 'BOTH' } }, '$myFilter.source', /"BOTH"/],
    [
      'a number inside a nested input',
      { myFilter: { near: { postalCode: '74000', radiusKm: 'far' } } },
      '$myFilter.near.radiusKm',
      /Float/,
    ],
    ['an item of a list', { myFilter: { contractTypes: ['PERMANENT', 'INTERNSHIP'] } }, '$myFilter.contractTypes[1]', /INTERNSHIP/],
  ])('a bad value in a nested variable (%s) names its path, not an inner field as a variable', async (_name, variables, where, detail) => {
    const res = await t.gql('query($myFilter: OfferFilter) { offers(filter: $myFilter) { totalCount } }', variables);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: where } });
    expect(res.errors![0].message).toContain(`Variable "${where}" got invalid value`);
    expect(res.errors![0].message).toMatch(detail);
  });

  it('a missing required variable is named', async () => {
    const res = await t.gql('query($id: ID!) { offer(id: $id) { id } }', {});
    expect(res.errors![0]).toMatchObject({
      message: 'Variable "$id" of required type "ID!" was not provided.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('an unknown id answers null, not an error', async () => {
    const res = await t.gql('{ offer(id: "bm9wZQ") { id } node(id: "T2ZmZXI6OTk5OTk") { id } partner(id: "x") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ offer: null, node: null, partner: null });
  });
});
