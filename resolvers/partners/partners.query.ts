import type { QueryResolvers } from '../../src/__generated__/resolvers-types';

export const partners: QueryResolvers['partners'] = async (_parent, _args, ctx) => {
  const list = await ctx.services.partners.list();
  for (const partner of list) ctx.loaders.partnerById.prime(partner.id, partner);
  return list;
};
