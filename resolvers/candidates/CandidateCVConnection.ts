import type { CandidateCvConnectionResolvers } from '../../src/__generated__/resolvers-types';
import { encodeCandidateCursor } from '../../src/candidates/candidate-filter';
import type { CandidateCvModel } from '../../src/candidates/candidate.types';

const cursorOf = (cv: CandidateCvModel) => encodeCandidateCursor({ updatedAt: cv.updatedAt.getTime(), id: cv.id });

/** A page of CVs, Relay style (like OfferConnection). */
export const CandidateCVConnection: CandidateCvConnectionResolvers = {
  edges: (conn) => conn.rows.map((node) => ({ cursor: cursorOf(node), node })),
  pageInfo: (conn) => ({
    hasNextPage: conn.hasNextPage,
    hasPreviousPage: conn.query.after !== null,
    startCursor: conn.rows.length ? cursorOf(conn.rows[0]) : null,
    endCursor: conn.rows.length ? cursorOf(conn.rows[conn.rows.length - 1]) : null,
  }),
};
