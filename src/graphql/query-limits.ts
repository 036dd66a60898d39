import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  Lexer,
  SchemaMetaFieldDef,
  Source,
  TypeMetaFieldDef,
  TokenKind,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type Token,
} from 'graphql';
import type { QueryLimits } from '../config';
import type { GraphQLContext } from '../context';
import { ErrorCode, PasserelleError } from '../errors';

/**
 * The cost model, in "units" of work: one per object the hub materialises, one per page query,
 * COUNT_COST per count (a `totalCount` or a facet dimension: each is a COUNT/GROUP BY over the
 * whole filter, the most expensive SQL the read path sends). A connection's `edges` cost `first`
 * times one edge (the schema's default when `first` is absent; variables included). A list
 * without paging counts as ASSUMED_LIST_SIZE items, `Query.partners` as PARTNER_LIST_SIZE.
 * Leaves are free: they come with their object's row.
 */
export const COUNT_COST = 10;
const PAGE_COST = 1;
const ASSUMED_LIST_SIZE = 20;
/** The hub serves dozens of partners (43 in the demo data); 100 leaves room without hiding a nesting. */
const PARTNER_LIST_SIZE = 100;
const LIST_SIZES: Record<string, number> = { 'Query.partners': PARTNER_LIST_SIZE };
/** Fields whose cost is their SQL, whatever is selected below them. */
const FIXED_COSTS: Record<string, number> = {
  'OfferConnection.totalCount': COUNT_COST,
  'OfferFacets.contractType': COUNT_COST,
  'OfferFacets.departmentCode': COUNT_COST,
  'OfferFacets.source': COUNT_COST,
  'OfferFacets.partner': COUNT_COST,
  'OfferFacets.romeCode': COUNT_COST,
};
/**
 * Fields visited, fragments expanded, before the analysis gives up: fragments spreading others
 * twice at each level would otherwise make a short document expand exponentially.
 */
const MAX_FIELD_VISITS = 20_000;
/**
 * Introspection (answered from memory, off in production) has limits of its own, the same for
 * every caller: the standard introspection query (graphql-js's getIntrospectionQuery, GraphiQL's)
 * nests type references 15 deep and costs about 16,000 with lists counted as 10 items; a query
 * nesting `fields { type { fields ...` grows tenfold a level.
 */
const MAX_INTROSPECTION_DEPTH = 20;
const INTROSPECTION_LIST_SIZE = 10;
const MAX_INTROSPECTION_COST = 100_000;

export type QueryLimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost' | 'fields';

/** What an operation asks for (fragments expanded, @skip/@include applied to cost and depth). */
export interface QueryMeasure {
  depth: number;
  /** The introspection fields' own cost (lists count 10 items), limited apart. */
  introspectionCost: number;
  aliases: number;
  directives: number;
  cost: number;
}

/** A refusal: the first limit exceeded. */
export interface LimitExceeded {
  limit: QueryLimitName;
  max: number;
  /** What the operation asked for (at least this much when the analysis stopped early; absent: unknown, over). */
  actual?: number;
}

/** QUERY_TOO_COMPLEX, with the limit, its maximum and what the operation asked for: HTTP 400. */
export class QueryTooComplexError extends PasserelleError {
  constructor(exceeded: LimitExceeded, who: 'anonymous' | 'authenticated') {
    const what: Record<QueryLimitName, string> = {
      tokens: 'tokens in the document',
      depth: 'depth of field nesting',
      aliases: 'aliased fields',
      directives: 'directives',
      cost: 'estimated cost (page sizes multiply, counts and facets cost their SQL)',
      fields: 'fields once fragments are expanded',
    };
    super(
      ErrorCode.QUERY_TOO_COMPLEX,
      `Query too complex: ${what[exceeded.limit]} ${exceeded.actual !== undefined ? `is ${exceeded.actual}` : `is over ${exceeded.max}`}, the limit for ${who} callers is ${exceeded.max} (docs/operations.md, "Limits")`,
      {
        limit: exceeded.limit,
        max: exceeded.max,
        ...(exceeded.actual !== undefined ? { actual: exceeded.actual } : {}),
        http: { status: 400 },
      },
    );
  }
}

class StopAnalysis extends Error {
  constructor(readonly exceeded: LimitExceeded) {
    super(exceeded.limit);
  }
}

/**
 * Whether a document's text holds more than `max` tokens, lexing at most max + 1 of them: lets
 * the hub refuse an anonymous document over its (smaller) limit before Apollo parses and
 * validates it (validating 20,000 tokens takes 100-200 ms).
 */
export function hasMoreTokensThan(query: string, max: number): boolean {
  const lexer = new Lexer(new Source(query));
  try {
    for (let count = 0; count <= max; count++) if (lexer.advance().kind === TokenKind.EOF) return false;
  } catch {
    return false; // a syntax error: the parser reports it
  }
  return true;
}

/** Tokens of a parsed document (comments excluded, as graphql-js's parse counts them). */
export function countTokens(document: DocumentNode): number {
  let count = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) {
    if (token.kind !== TokenKind.COMMENT && token.kind !== TokenKind.SOF && token.kind !== TokenKind.EOF) count++;
  }
  return count;
}

/**
 * Measures one operation against limits; returns the first limit it exceeds, or null. Variables
 * are coerced as execution will coerce them (a `first` passed as a variable counts as its value);
 * when they do not coerce, execution will refuse them anyway, and page sizes count as 100.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  limits: Pick<QueryLimits, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxCost'>,
): { exceeded: LimitExceeded | null; measure: QueryMeasure } {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  const variables = coerced.coerced ?? null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const measure: QueryMeasure = { depth: 0, introspectionCost: 0, aliases: 0, directives: 0, cost: 0 };
  let visits = 0;

  const check = (limit: QueryLimitName, actual: number, max: number) => {
    if (actual > max) throw new StopAnalysis({ limit, max, actual });
  };
  const skipped = (node: { readonly directives?: readonly DirectiveNode[] }): boolean => {
    if (!node.directives?.length) return false;
    measure.directives += node.directives.length;
    check('directives', measure.directives, limits.maxDirectives);
    if (!variables) return false;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
      if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return true;
    } catch {
      // An invalid directive argument: execution reports it.
    }
    return false;
  };
  const argumentsOf = (field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> => {
    if (!field.args.length || !variables) return {};
    try {
      return getArgumentValues(field, node, variables);
    } catch {
      return {};
    }
  };

  /** The cost of one object of `type` with this selection, at nesting `depth` (its parent's). */
  const selectionCost = (
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    depth: number,
    pageSize: number | null,
    multiplier: number,
    seen: string[],
    introspection = false,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (skipped(selection)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeCondition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (typeCondition && isCompositeType(typeCondition))
          cost += selectionCost(selection.selectionSet, typeCondition, depth, pageSize, multiplier, seen, introspection);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A cycle is a validation error already; stop rather than loop.
        if (!fragment || seen.includes(fragment.name.value)) continue;
        const typeCondition = schema.getType(fragment.typeCondition.name.value);
        if (typeCondition && isCompositeType(typeCondition))
          cost += selectionCost(
            fragment.selectionSet,
            typeCondition,
            depth,
            pageSize,
            multiplier,
            [...seen, fragment.name.value],
            introspection,
          );
        continue;
      }
      visits++;
      check('fields', visits, MAX_FIELD_VISITS);
      if (selection.alias) {
        measure.aliases++;
        check('aliases', measure.aliases, limits.maxAliases);
      }
      const name = selection.name.value;
      if (name === '__typename') continue;
      const fieldDepth = depth + 1;
      if (introspection || name === '__schema' || name === '__type') {
        // Introspection is answered from memory (and is off in production): no cost, and a depth
        // limit of its own that lets the standard introspection query through (it nests type
        // references deeply), but not a query nesting `fields { type { fields ...` at will.
        check('depth', fieldDepth, MAX_INTROSPECTION_DEPTH);
        const field =
          name === '__schema'
            ? SchemaMetaFieldDef
            : name === '__type'
              ? TypeMetaFieldDef
              : isObjectType(type) || isInterfaceType(type)
                ? type.getFields()[name]
                : undefined;
        const named = field && getNamedType(field.type);
        if (!field || !selection.selectionSet || !named || !isCompositeType(named)) continue;
        const items = isListType(getNullableType(field.type)) ? INTROSPECTION_LIST_SIZE : 1;
        const subtree = items * (1 + selectionCost(selection.selectionSet, named, fieldDepth, null, 0, seen, true));
        if (introspection)
          cost += subtree; // (the introspection root adds it up)
        else {
          measure.introspectionCost += subtree;
          check('cost', measure.introspectionCost, MAX_INTROSPECTION_COST);
        }
        continue;
      }
      measure.depth = Math.max(measure.depth, fieldDepth);
      check('depth', measure.depth, limits.maxDepth);
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      const key = `${type.name}.${name}`;
      const fixed = FIXED_COSTS[key];
      if (fixed !== undefined) {
        cost += fixed;
        continue;
      }
      const named = getNamedType(field.type);
      if (!selection.selectionSet || !isCompositeType(named)) continue;
      const args = argumentsOf(field, selection);
      const firstArg = field.args.find((a) => a.name === 'first');
      const first = !firstArg
        ? null
        : typeof args.first === 'number'
          ? Math.max(0, args.first)
          : typeof firstArg.defaultValue === 'number'
            ? firstArg.defaultValue
            : 100;
      const isConnectionEdges = name === 'edges' && pageSize !== null;
      const items = isListType(getNullableType(field.type)) ? (isConnectionEdges ? pageSize : (LIST_SIZES[key] ?? ASSUMED_LIST_SIZE)) : 1;
      const perItem = 1 + selectionCost(selection.selectionSet, named, fieldDepth, first, multiplier * items, seen);
      cost += (first !== null ? PAGE_COST : 0) + items * perItem;
      // Stop as soon as this much is certain: the whole costs at least this subtree times its multiplier.
      check('cost', multiplier * cost, limits.maxCost);
    }
    return cost;
  };

  try {
    const rootType = schema.getRootType(operation.operation);
    if (rootType) measure.cost = selectionCost(operation.selectionSet, rootType, 0, null, 1, []);
    check('cost', measure.cost, limits.maxCost);
    return { exceeded: null, measure };
  } catch (err) {
    if (err instanceof StopAnalysis) return { exceeded: err.exceeded, measure };
    throw err;
  }
}

/**
 * Refuses, before any resolver or SQL runs, operations over the caller's limits (anonymous or
 * authenticated): QUERY_TOO_COMPLEX, HTTP 400. Runs on every path Apollo serves (POST, GET,
 * persisted queries, graphql-jit or graphql-js execution): Apollo calls didResolveOperation on
 * each request after parsing and validation (cached documents included), before execution.
 */
export function queryLimitsPlugin(
  limitsFor: (context: GraphQLContext) => { limits: QueryLimits; who: 'anonymous' | 'authenticated' },
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { limits, who } = limitsFor(requestContext.contextValue);
          const document = requestContext.document;
          const tokens = countTokens(document);
          if (tokens > limits.maxTokens) throw new QueryTooComplexError({ limit: 'tokens', max: limits.maxTokens, actual: tokens }, who);
          const operation = requestContext.operation;
          if (!operation) return; // no such operation: execution reports it, running nothing
          const { exceeded, measure } = checkOperation(
            requestContext.schema,
            document,
            operation,
            requestContext.request.variables,
            limits,
          );
          if (exceeded) throw new QueryTooComplexError(exceeded, who);
          requestContext.contextValue.queryCost = measure.cost;
        },
      };
    },
  };
}
