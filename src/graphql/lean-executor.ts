import {
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { QueryLimits } from '../config';
import type { GraphQLContext } from '../context';
import { checkOperation, countTokens } from './query-limits';

/** Operations kept compiled (least recently used dropped first), as the JIT executor's. */
const MAX_LEAN_OPERATIONS = 1000;
/**
 * Limit checks kept, for all operations together (oldest dropped first), and the longest variable
 * set kept (its JSON text): a page's filters are a few dozen characters, and a caller sending
 * distinct large variables must not grow the process (4,096 keys of at most 1,024 characters here).
 * Longer sets are checked on every request, as before.
 */
const MAX_CHECKED_VARIABLES = 4096;
const MAX_CHECKED_VARIABLES_LENGTH = 1024;

/** A GraphQL request as the lean path takes it: a query's text, its operation name and variables. */
export interface LeanRequest {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
}

/** One (query text, operation name), prepared once: compiled, or left to Apollo. */
type Prepared = {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
  tokens: number;
  /** Tells its limit checks from other operations' (LeanExecutor.withinLimits). */
  id: number;
} | null;

/**
 * The anonymous read path without Apollo's per-request pipeline (issue 18: ~90 µs of the ~560 µs a
 * page cost the hub). Each (query text, operation name) is parsed, validated and compiled with
 * graphql-jit once; a later request with the same text runs the compiled query with a fresh
 * context, checks the anonymous query limits (src/graphql/query-limits.ts) with its variables, and
 * hands the server a JSON body ready to send, byte for byte what Apollo would have sent.
 *
 * It takes only what it answers exactly as Apollo does: a valid query operation (no mutation, no
 * introspection, no parse or validation error, no persisted-query extension) within the limits,
 * whose execution raised no error. Everything else answers null: the server then hands the request
 * to Apollo. When the execution reported errors, the result goes with the context
 * (`context.leanResult`) and Apollo's executor answers it without executing again (a second
 * execution would wait again on a stalled database), so errors, their formatting, logs and codes
 * stay Apollo's.
 */
export class LeanExecutor {
  private readonly prepared = new Map<string, Prepared>();
  /**
   * The cost of the variable sets found within the limits, by operation and the sets' JSON text,
   * for the limits they were checked against: the check coerces the variables and walks the
   * selection (~25 µs of a page's ~320), and the same few filters come back request after request.
   */
  private readonly withinLimits = new Map<string, { limits: QueryLimits; cost: number }>();
  private preparedCount = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly parseMaxTokens: number,
  ) {}

  /**
   * The JSON body of the answer, or null when Apollo must answer. `context` is the request's
   * (buildContext); its record gets the operation's name and type, its queryCost the cost, as
   * Apollo's plugins would set them.
   */
  async execute(request: LeanRequest, limits: QueryLimits, context: GraphQLContext): Promise<string | null> {
    const prepared = this.prepare(request);
    if (!prepared) return null;
    if (prepared.tokens > limits.maxTokens) return null;
    const { operation } = prepared;
    const cost = this.costWithinLimits(prepared, request.variables, limits);
    if (cost === null) return null;
    context.queryCost = cost;
    const result = await prepared.compiled.query(undefined, context, request.variables);
    if (result.errors?.length || context.cvAccess.containsCvData) {
      // Apollo answers with this same context, and its executor with this result (no second execution).
      context.leanResult = result;
      return null;
    }
    context.record.operationType = 'query';
    context.record.operation = operation.name?.value ?? null; // (Apollo's operationName: the operation's own)
    return JSON.stringify({ data: result.data });
  }

  /** The operation's cost with these variables, or null when it exceeds a limit (checkOperation). */
  private costWithinLimits(prepared: NonNullable<Prepared>, variables: Record<string, unknown>, limits: QueryLimits): number | null {
    const text = JSON.stringify(variables);
    const key = text.length <= MAX_CHECKED_VARIABLES_LENGTH ? `${prepared.id}\u0000${text}` : null;
    const known = key === null ? undefined : this.withinLimits.get(key);
    if (known?.limits === limits) return known.cost;
    const cost = this.measure(prepared, variables, limits);
    if (cost === null || key === null) return cost;
    if (this.withinLimits.size >= MAX_CHECKED_VARIABLES) this.withinLimits.delete(this.withinLimits.keys().next().value!);
    this.withinLimits.set(key, { limits, cost });
    return cost;
  }

  /** The operation checked against the limits (query-limits.ts): its cost, or null over a limit. */
  protected measure(prepared: NonNullable<Prepared>, variables: Record<string, unknown>, limits: QueryLimits): number | null {
    const { exceeded, measure } = checkOperation(this.schema, prepared.document, prepared.operation, variables, limits);
    return exceeded ? null : measure.cost;
  }

  private prepare(request: LeanRequest): Prepared {
    const key = `${request.operationName ?? ''}\u0000${request.query}`;
    const cached = this.prepared.get(key);
    if (cached !== undefined) {
      this.prepared.delete(key); // most recently used last
      this.prepared.set(key, cached);
      return cached;
    }
    const prepared = this.compile(request);
    if (this.prepared.size >= MAX_LEAN_OPERATIONS) this.prepared.delete(this.prepared.keys().next().value!);
    this.prepared.set(key, prepared);
    return prepared;
  }

  private compile(request: LeanRequest): Prepared {
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: this.parseMaxTokens });
    } catch {
      return null;
    }
    if (usesIntrospection(document)) return null;
    if (validate(this.schema, document, specifiedRules).length > 0) return null;
    const operation = getOperationAST(document, request.operationName);
    if (!operation || operation.operation !== 'query') return null;
    const compiled = compileQuery(this.schema, document, request.operationName ?? undefined);
    if (!isCompiledQuery(compiled)) return null;
    return { document, operation, compiled, tokens: countTokens(document), id: ++this.preparedCount };
  }
}

/** Whether a document asks for __schema or __type anywhere (Apollo's introspection setting decides). */
function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}
