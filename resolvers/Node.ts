import type { NodeResolvers } from '../src/__generated__/resolvers-types';
import type { NodeType } from '../src/lib/ids';

/** The type of each object Query.node returned, recorded when it was loaded by its global id. */
const nodeTypes = new WeakMap<object, NodeType>();

/** Returns the object (or null) after recording which Node type it is, for Node.__resolveType. */
export function asNode<T extends object>(type: NodeType, obj: T | null): T | null {
  if (obj) nodeTypes.set(obj, type);
  return obj;
}

/** A Node's type is the one its global id named (asNode), never guessed from its properties. */
export const Node: NodeResolvers = {
  __resolveType: (obj) => {
    const type = nodeTypes.get(obj);
    if (!type) throw new Error('Node.__resolveType: an object was returned as a Node without asNode()');
    return type;
  },
};
