import type { OfferConnectionResolvers, OfferFacetsResolvers } from '../../src/__generated__/resolvers-types';
import type { FacetDimension, OfferConnectionModel } from '../../src/offers/offer-search.types';
import { cursorOf } from '../../src/offers/offer-search.service';
import { toGlobalId } from '../../src/lib/ids';
import type { GraphQLContext } from '../../src/context';

/** totalCount and facets are only computed when asked for. */
export const OfferConnection: OfferConnectionResolvers = {
  edges: (conn) => conn.rows.map((node) => ({ cursor: cursorOf(conn.query, node), node })),
  pageInfo: (conn) => ({
    hasNextPage: conn.hasNextPage,
    // Relay allows false when paging forward; true when we came from a cursor means "something is before".
    hasPreviousPage: conn.query.after !== null,
    startCursor: conn.rows.length ? cursorOf(conn.query, conn.rows[0]) : null,
    endCursor: conn.rows.length ? cursorOf(conn.query, conn.rows[conn.rows.length - 1]) : null,
  }),
  totalCount: (conn, _args, ctx) => {
    const { filter, partnerId } = conn.query;
    return partnerId === null
      ? ctx.loaders.offerCount.load({ filter, partnerId })
      : ctx.loaders.offerCountByPartnerId.load({ filter, partnerId });
  },
  facets: (conn) => conn,
};

function facet(dimension: FacetDimension) {
  return (conn: OfferConnectionModel, _args: unknown, ctx: GraphQLContext) =>
    ctx.loaders.offerFacet.load({ query: { filter: conn.query.filter, partnerId: conn.query.partnerId }, dimension });
}

export const OfferFacets: OfferFacetsResolvers = {
  contractType: facet('contractType'),
  departmentCode: facet('departmentCode'),
  source: facet('source'),
  romeCode: facet('romeCode'),
  partner: async (conn, args, ctx) =>
    (await facet('partner')(conn, args, ctx)).map(({ value, count }) => ({ value: toGlobalId('Partner', Number(value)), count })),
};
