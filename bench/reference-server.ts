import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { ReferenceOffer } from './fixtures';

/**
 * The reference point of the benchmark: a stock Apollo Server (startStandaloneServer, SDL and
 * resolvers, every default left on) answering query (a) from 20 offers held in memory. Whatever
 * the filter, it returns those 20, so it measures GraphQL-over-HTTP cost with no data access.
 *
 * Env: PORT (required), REFERENCE_OFFERS_JSON (the 20 offers, read from the benchmark database).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set');
  const offers: ReferenceOffer[] = JSON.parse(process.env.REFERENCE_OFFERS_JSON ?? '[]');
  if (offers.length === 0) throw new Error('REFERENCE_OFFERS_JSON must hold the offers to serve');

  const typeDefs = fs.readFileSync(path.join(__dirname, 'reference.graphql'), 'utf8');
  const resolvers = {
    Query: {
      offers: (_parent: unknown, args: { first?: number | null }) => {
        const nodes = offers.slice(0, args.first ?? 20);
        const edges = nodes.map((node) => ({
          cursor: Buffer.from(`p:${Date.parse(node.publishedAt)}:${node.id}`).toString('base64url'),
          node,
        }));
        return { edges, pageInfo: { hasNextPage: true, endCursor: edges.length ? edges[edges.length - 1].cursor : null } };
      },
    },
  };
  const server = new ApolloServer({ typeDefs, resolvers });
  const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
  console.log(`Reference Apollo Server listening on ${url}`);

  const stop = () => void server.stop().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error('Reference server failed:', err);
  process.exit(1);
});
