import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  coerceInputValue,
  getOperationAST,
  GraphQLError,
  isInputType,
  isNonNullType,
  printSchema,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { isDatabaseUnavailable } from '../db/driver-errors';
import { ErrorCode, ServiceUnavailableError } from '../errors';

/** Compiled operations kept (least recently used dropped first): clients send a handful of shapes. */
const MAX_COMPILED_OPERATIONS = 1000;

/**
 * Executes operations with graphql-jit instead of graphql-js: each operation is compiled once into
 * JavaScript (keyed by Apollo's query hash and operation name) and reused, which roughly doubles
 * throughput on our list queries. It plugs into Apollo Server through its gateway interface, the
 * documented hook for a custom executor; parsing, validation, plugins and formatError stay Apollo's.
 */
export function createJitExecutor(schema: GraphQLSchema): GatewayExecutor {
  const compiled = new Map<string, CompiledQuery | ExecutionResult>();
  const execute = async (requestContext: Parameters<GatewayExecutor>[0]): Promise<ExecutionResult> => {
    // Already executed by the lean path (src/graphql/lean-executor.ts), with errors: answered from here on.
    const lean = (requestContext.context as { leanResult?: ExecutionResult }).leanResult;
    if (lean) return lean;
    const key = `${requestContext.queryHash}:${requestContext.operationName ?? ''}`;
    let entry = compiled.get(key);
    if (entry) {
      compiled.delete(key); // re-insert: most recently used last
    } else {
      entry = compileQuery(schema, requestContext.document, requestContext.operationName ?? undefined);
      if (compiled.size >= MAX_COMPILED_OPERATIONS) compiled.delete(compiled.keys().next().value!);
    }
    compiled.set(key, entry);
    if (!isCompiledQuery(entry)) return entry;
    return entry.query(undefined, requestContext.context, requestContext.request.variables ?? {});
  };
  return async (requestContext) => {
    const result = await execute(requestContext);
    if (result.errors && result.data === undefined) {
      // No data at all: the variables did not coerce (a client error). graphql-jit names the inner
      // field as if it were a variable ("$source" for $myFilter.source): graphql-js's coercion, run
      // on this error path only, names the real path.
      const named = variableErrors(
        schema,
        requestContext.document,
        requestContext.operationName ?? undefined,
        requestContext.request.variables ?? {},
      );
      if (named.length > 0) return { errors: named };
      return {
        errors: result.errors.map((e) =>
          e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }),
        ),
      };
    }
    // A driver error of a database not answering in time (a read made through TypeORM: API keys,
    // partners) is the client's retriable SERVICE_UNAVAILABLE, as the SQL executor's are.
    if (result.errors?.some((e) => isDatabaseUnavailable(e.originalError))) {
      return {
        ...result,
        errors: result.errors.map((e) => (isDatabaseUnavailable(e.originalError) ? asUnavailable(e) : withExtensions(e))),
      };
    }
    if (result.errors?.some((e) => !e.extensions)) return { ...result, errors: result.errors.map(withExtensions) };
    return result;
  };
}

function asUnavailable(error: GraphQLError): GraphQLError {
  const { message, extensions } = new ServiceUnavailableError(undefined, error.originalError);
  return new GraphQLError(message, { nodes: error.nodes, path: error.path, originalError: error.originalError, extensions });
}

/**
 * The variables of an operation that do not coerce, each error naming the variable and the path
 * inside it (`Variable "$myFilter.source" got invalid value "BOTH"; ...`, extensions.field
 * `$myFilter.source`), as graphql-js's coercion finds them.
 */
export function variableErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  const errors: GraphQLError[] = [];
  for (const definition of operation?.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type)) continue; // validation reports it
    const fail = (where: string, message: string) =>
      errors.push(new GraphQLError(message, { nodes: definition, extensions: { code: ErrorCode.BAD_USER_INPUT, field: where } }));
    if (!Object.hasOwn(variables, name)) {
      if (isNonNullType(type) && !definition.defaultValue)
        fail(`$${name}`, `Variable "$${name}" of required type "${String(type)}" was not provided.`);
      continue;
    }
    coerceInputValue(variables[name], type, (path, invalid, error) => {
      const where = `$${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
      fail(where, `Variable "${where}" got invalid value ${JSON.stringify(invalid) ?? String(invalid)}; ${error.message}`);
    });
  }
  return errors;
}

/**
 * graphql-jit leaves `extensions` undefined on errors whose original error has none (a driver
 * error, a TypeError): Apollo's error formatting then throws on `extensions.code` and answers
 * INTERNAL_SERVER_ERROR without calling formatError. Such errors get empty extensions, keeping
 * their message, path, locations and original error (its stack is what the log needs).
 */
function withExtensions(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const fixed = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? error, extensions: {} });
  if (error.locations) Object.defineProperty(fixed, 'locations', { value: error.locations, enumerable: true });
  return fixed;
}

/** A fixed-schema "gateway" whose only job is to hand Apollo Server the JIT executor. */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  return {
    async load() {
      return { executor: createJitExecutor(schema) };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
}
