import { DateResolver, DateTimeResolver, URLResolver } from 'graphql-scalars';
import { GraphQLScalarType } from 'graphql';

/**
 * graphql-scalars' URL scalar serialises to a URL object's href; ours also accepts the strings
 * stored in the database and serialises them unchanged.
 */
const URL = new GraphQLScalarType({
  ...URLResolver.toConfig(),
  serialize: (value) => (typeof value === 'string' ? value : URLResolver.serialize(value)),
});

export const scalars = { DateTime: DateTimeResolver, Date: DateResolver, URL };
