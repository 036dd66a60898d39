import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../context';
import { ErrorCode } from '../errors';

const OUR_CODES = new Set<string>(Object.values(ErrorCode));
/** Codes graphql-js / Apollo produce for malformed requests, passed through as they are. */
export const REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** graphql-js's suggestion, appended to a message: ` Did you mean "a", "b", or "c"?`. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** A code the client can act on (ours, or a malformed request's); anything else is unexpected. */
export function isClientErrorCode(code: unknown): boolean {
  return typeof code === 'string' && ((OUR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) || REQUEST_CODES.has(code));
}

/**
 * Logs every unexpected error of a GraphQL request once, with its stack and the request id, and
 * puts the request id in every error's extensions (`requestId`) so a client can quote it.
 *
 * didEncounterErrors sees the errors before Apollo formats them: errors from graphql-jit, from
 * resolvers and from plugins alike, including those whose formatting fails (Apollo then answers
 * INTERNAL_SERVER_ERROR without calling formatError, which used to be the only place that logged).
 * With `hideSuggestions`, "Did you mean ...?" is cut from every message: Apollo's own option does
 * it for validation errors only, and a variable's value names input fields and enum values too.
 */
export function errorLogPlugin(opts: { hideSuggestions: boolean }): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors as readonly GraphQLError[]) {
            if (isClientErrorCode(error.extensions?.code)) continue;
            contextValue.log.error(
              { err: error.originalError ?? error, path: error.path?.join('.'), operationName: operationName ?? undefined },
              `Unexpected error: ${error.message}`,
            );
          }
        },
        async willSendResponse({ response, contextValue, operationName }) {
          contextValue.record.operation = operationName ?? null;
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const { requestId } = contextValue;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => {
            contextValue.record.errorCodes.push(String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR));
            const message = opts.hideSuggestions ? e.message.replace(SUGGESTION, '') : e.message;
            return { ...e, message, extensions: { ...e.extensions, requestId } };
          });
        },
      };
    },
  };
}
