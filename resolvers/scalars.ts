import { DateResolver, DateTimeResolver, URLResolver } from 'graphql-scalars';
import { GraphQLScalarType } from 'graphql';
import { isoString } from '../src/lib/iso-date';

/**
 * graphql-scalars' URL scalar serialises to a URL object's href; ours also accepts the strings
 * stored in the database and serialises them unchanged.
 */
const URL = new GraphQLScalarType({
  ...URLResolver.toConfig(),
  serialize: (value) => (typeof value === 'string' ? value : URLResolver.serialize(value)),
});

/**
 * graphql-scalars' DateTime serialises a Date (or a date-time string) to a Date object, which
 * JSON.stringify then turns into its ISO string through toJSON, a slow path of the serialiser
 * taken for every date of a response. Ours gives the response that same ISO string: the same
 * bytes, the same validation and errors (it is graphql-scalars' serialize that checks the value).
 */
const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize: (value) => {
    // A valid Date (every date the hub reads): graphql-scalars would hand it back as it is.
    if (value instanceof Date && !Number.isNaN(value.getTime())) return isoString(value);
    const serialized: unknown = DateTimeResolver.serialize(value);
    // (An invalid Date can only come from a number here: left as is, JSON makes it null, as before.)
    return serialized instanceof Date && !Number.isNaN(serialized.getTime()) ? isoString(serialized) : serialized;
  },
});

export const scalars = { DateTime, Date: DateResolver, URL };
