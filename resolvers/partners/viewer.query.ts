import type { QueryResolvers } from '../../src/__generated__/resolvers-types';

export const viewer: QueryResolvers['viewer'] = (_parent, _args, ctx) => ctx.viewer;
