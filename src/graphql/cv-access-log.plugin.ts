import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import { ErrorCode } from '../errors';

/**
 * Closes every request that disclosed CV data: writes the partner reads the request recorded
 * (ctx.cvAccess) to the access log in one INSERT, and marks the response `Cache-Control: no-store`.
 * willSendResponse is awaited before Apollo hands the response back, so the log row exists before
 * the client gets a byte. If the write fails, the response is replaced by an INTERNAL_SERVER_ERROR:
 * CV data never leaves unlogged.
 */
export function cvAccessLogPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const recorder = contextValue.cvAccess;
          if (!recorder?.containsCvData) return;
          response.http.headers.set('cache-control', 'no-store');
          const entries = recorder.entries();
          if (entries.length === 0) return;
          try {
            await contextValue.services.candidates.flushAccessLog(entries, contextValue.requestId, contextValue.now);
            recorder.clear();
          } catch (err) {
            contextValue.log.error({ err }, 'Writing the CV access log failed: the response is withheld');
            contextValue.record.errorCodes = [ErrorCode.INTERNAL_SERVER_ERROR];
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [
                  {
                    message: 'Internal server error',
                    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: contextValue.requestId },
                  },
                ],
              },
            };
            response.http.status = 500;
          }
        },
      };
    },
  };
}
