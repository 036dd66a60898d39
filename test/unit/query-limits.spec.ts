import { getIntrospectionQuery, parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_QUERY_LIMITS } from '../../src/config';
import { checkOperation, COUNT_COST, countTokens } from '../../src/graphql/query-limits';
import { buildSchema } from '../../src/schema';

const schema = buildSchema();
const NO_LIMIT = { maxDepth: 1e9, maxAliases: 1e9, maxDirectives: 1e9, maxCost: 1e12 };

function measure(query: string, variables?: Record<string, unknown>, limits = NO_LIMIT) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return checkOperation(schema, document, operation, variables, limits);
}

/** The README's search example, verbatim. */
const README_SEARCH = `query Search($after: String) {
  offers(filter: { keywords: "cuisinier", contractTypes: [PERMANENT, SEASONAL], near: { postalCode: "74000", radiusKm: 30 }, excludePartnerIds: [], minSalary: 20000 }, sort: DISTANCE, first: 20, after: $after) {
    totalCount
    edges { cursor node { id title distanceKm contractType salary { min max period label }
                          employer { name } location { city postalCode departmentCode }
                          rome { code label domain { code label } } partner { name } } }
    pageInfo { hasNextPage endCursor }
    facets { contractType { value count } departmentCode { value count } source { value count }
             partner { value count } romeCode { value count } }
  }
}`;
const README_PARTNERS = '{ partners { id code name activeOfferCount offers(first: 2) { edges { node { title } } } } }';

describe('query cost', () => {
  it('multiplies edges by first, whether literal, a variable or the schema default', () => {
    const page = (n: number) => 1 + 1 + n * 2; // the connection, its page query, n x (edge + node)
    expect(measure('{ offers(first: 7) { edges { node { id } } } }').measure.cost).toBe(page(7));
    expect(measure('query($n: Int) { offers(first: $n) { edges { node { id } } } }', { n: 50 }).measure.cost).toBe(page(50));
    expect(measure('query($n: Int = 3) { offers(first: $n) { edges { node { id } } } }').measure.cost).toBe(page(3));
    expect(measure('{ offers { edges { node { id } } } }').measure.cost).toBe(page(20));
  });

  it('counts totalCount and each facet as the SQL they cost, once, not per edge', () => {
    const base = measure('{ offers(first: 5) { edges { node { id } } } }').measure.cost;
    expect(measure('{ offers(first: 5) { totalCount edges { node { id } } } }').measure.cost).toBe(base + COUNT_COST);
    expect(measure('{ offers(first: 5) { facets { source { value } partner { count } } edges { node { id } } } }').measure.cost).toBe(
      base + 1 + 2 * COUNT_COST,
    );
  });

  it('multiplies nested pages, through fragments, and skips what @skip removes', () => {
    const nested = measure(
      '{ partners { offers(first: 10) { edges { node { partner { offers(first: 10) { edges { node { id } } } } } } } } }',
    ).measure.cost;
    expect(nested).toBeGreaterThan(100 * 10 * 10);
    const viaFragment = measure(
      '{ partners { ...P } } fragment P on Partner { offers(first: 10) { edges { node { partner { offers(first: 10) { edges { node { id } } } } } } } }',
    ).measure.cost;
    expect(viaFragment).toBe(nested);
    expect(measure('query($s: Boolean!) { offers(first: 100) { edges @skip(if: $s) { node { id } } } }', { s: true }).measure.cost).toBe(2);
  });

  it('keeps the README examples well within the anonymous limits', () => {
    for (const query of [README_SEARCH, README_PARTNERS]) {
      const { exceeded, measure: m } = measure(query, {}, DEFAULT_QUERY_LIMITS.anonymous);
      expect(exceeded).toBeNull();
      expect(m.cost).toBeLessThan(DEFAULT_QUERY_LIMITS.anonymous.maxCost / 3);
      expect(countTokens(parse(query))).toBeLessThan(DEFAULT_QUERY_LIMITS.anonymous.maxTokens / 5);
    }
    // The same search at the largest page size still passes.
    expect(measure(README_SEARCH.replace('first: 20', 'first: 100'), {}, DEFAULT_QUERY_LIMITS.anonymous).exceeded).toBeNull();
  });

  it('names the first limit exceeded', () => {
    expect(
      measure('{ a: viewer { role } b: viewer { role } c: viewer { role } }', {}, { ...NO_LIMIT, maxAliases: 2 }).exceeded,
    ).toMatchObject({ limit: 'aliases', max: 2 });
    expect(measure('{ offers { edges { node { partner { name } } } } }', {}, { ...NO_LIMIT, maxDepth: 4 }).exceeded).toEqual({
      limit: 'depth',
      max: 4,
      actual: 5,
    });
    expect(
      measure('{ viewer @include(if: true) { role @skip(if: false) } }', {}, { ...NO_LIMIT, maxDirectives: 1 }).exceeded,
    ).toMatchObject({ limit: 'directives' });
    expect(measure('{ offers(first: 100) { edges { node { id } } } }', {}, { ...NO_LIMIT, maxCost: 150 }).exceeded).toMatchObject({
      limit: 'cost',
      max: 150,
    });
    // A page of 0 multiplies its subtree by nothing.
    expect(
      measure(
        '{ offers(first: 0) { edges { node { partner { offers(first: 100) { edges { node { id } } } } } } } }',
        {},
        { ...NO_LIMIT, maxCost: 10 },
      ).exceeded,
    ).toBeNull();
  });

  it('lets the standard introspection query through, not an introspection bomb', () => {
    const standard = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(measure(standard, {}, DEFAULT_QUERY_LIMITS.anonymous).exceeded).toBeNull();
    const bomb = '{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }';
    expect(measure(bomb, {}, DEFAULT_QUERY_LIMITS.anonymous).exceeded).toMatchObject({ limit: 'cost' });
    const deep = `{ __type(name: "Offer") { ${'ofType { '.repeat(25)}name${' }'.repeat(25)} } }`;
    expect(measure(deep, {}, DEFAULT_QUERY_LIMITS.anonymous).exceeded).toMatchObject({ limit: 'depth' });
  });

  it('stops on fragments that expand exponentially', () => {
    let doc = '{ viewer { ...F0 } } fragment F0 on Viewer { role }';
    for (let i = 1; i <= 20; i++) doc += ` fragment F${i} on Viewer { ...F${i - 1} ...F${i - 1} }`;
    doc = doc.replace('{ viewer { ...F0 } }', '{ viewer { ...F20 } }');
    expect(measure(doc).exceeded).toMatchObject({ limit: 'fields' });
  });
});
