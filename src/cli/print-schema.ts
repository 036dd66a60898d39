import 'reflect-metadata';
import fs from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import { buildSchema } from '../schema';

/**
 * `npm run schema:print [-- <file>]`: the hub's Apollo Federation 2 subgraph SDL (with @link and
 * @key), as a schema registry or `rover supergraph compose` expects it; to stdout or to a file.
 */
const sdl = printSubgraphSchema(buildSchema());
const file = process.argv[2];
if (file) {
  fs.writeFileSync(file, sdl);
  console.error(`Subgraph SDL written to ${file} (${sdl.length} characters)`);
} else {
  process.stdout.write(sdl);
}
