import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { resolvers } from '../resolvers';
import { PROJECT_ROOT } from './lib/paths';

/** The SDL files of schema/, in a stable order. */
export function loadTypeDefs(): string[] {
  const dir = path.join(PROJECT_ROOT, 'schema');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b)))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/**
 * The hub's executable schema: an Apollo Federation 2 subgraph (schema/federation.graphql), so it
 * also answers `_service { sdl }` and `_entities(representations:)` for a supergraph router.
 */
export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: parse(loadTypeDefs().join('\n')), resolvers: resolvers as never });
}
