import type { ViewerResolvers } from '../src/__generated__/resolvers-types';

export const Viewer: ViewerResolvers = {
  role: (viewer) => viewer.role,
  partner: (viewer, _args, ctx) => (viewer.role === 'PARTNER' ? ctx.loaders.partnerById.load(viewer.partnerId) : null),
};
