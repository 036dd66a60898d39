import type { OfferConnectionResolvers, OfferFacetsResolvers } from '../../src/__generated__/resolvers-types';
import type { FacetDimension, OfferConnectionModel, OfferModel, OfferQuery } from '../../src/offers/offer-search.types';
import { cursorOf } from '../../src/offers/offer-search.service';
import { toGlobalId } from '../../src/lib/ids';
import type { GraphQLContext } from '../../src/context';

/** An edge whose cursor is encoded only when the operation asks for it (a page usually asks none). */
class OfferEdge {
  constructor(
    private readonly query: OfferQuery,
    readonly node: OfferModel,
  ) {}

  get cursor(): string {
    return cursorOf(this.query, this.node);
  }
}

/** pageInfo, its cursors encoded only when asked for (endCursor alone, usually). */
class OfferPageInfo {
  constructor(private readonly conn: OfferConnectionModel) {}

  get hasNextPage(): boolean {
    return this.conn.hasNextPage;
  }

  /** Relay allows false when paging forward; true when we came from a cursor means "something is before". */
  get hasPreviousPage(): boolean {
    return this.conn.query.after !== null;
  }

  get startCursor(): string | null {
    const { rows, query } = this.conn;
    return rows.length ? cursorOf(query, rows[0]) : null;
  }

  get endCursor(): string | null {
    const { rows, query } = this.conn;
    return rows.length ? cursorOf(query, rows[rows.length - 1]) : null;
  }
}

/** totalCount and facets are only computed when asked for; cursors only when selected. */
export const OfferConnection: OfferConnectionResolvers = {
  edges: (conn) => conn.rows.map((node) => new OfferEdge(conn.query, node)),
  pageInfo: (conn) => new OfferPageInfo(conn),
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
