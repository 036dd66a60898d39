import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import { readFromPrimaryFromNowOn, type RecentWriters } from '../db/read-routing';

/** Who a request comes from, for read-your-writes: its API key, the admin key, or its address. */
export function callerKeyOf(context: Pick<GraphQLContext, 'viewer'>, clientAddress: string): string {
  const { viewer } = context;
  if (viewer.role === 'PUBLIC') return `ip:${clientAddress}`;
  return viewer.apiKeyId === null ? 'admin' : `key:${viewer.apiKeyId}`;
}

/**
 * With read replicas: a mutation reads from the primary from the moment its operation is known
 * (before any resolver runs), and its caller's next requests read from the primary for the
 * read-your-writes window.
 */
export function readRoutingPlugin(
  writers: RecentWriters,
  callerOf: (context: GraphQLContext) => string,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          readFromPrimaryFromNowOn();
          writers.wrote(callerOf(contextValue));
        },
        async willSendResponse({ operation, contextValue }) {
          // The window starts again when the writes are committed, not only when they began.
          if (operation?.operation === 'mutation') writers.wrote(callerOf(contextValue));
        },
      };
    },
  };
}
