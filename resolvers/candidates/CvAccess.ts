import type { CvAccessResolvers } from '../../src/__generated__/resolvers-types';

/** Access-log entries (AGENCY only). */
export const CvAccess: CvAccessResolvers = {
  partner: async (access, _args, ctx) => (await ctx.loaders.partnerById.load(access.partnerId))!,
  apiKey: (access, _args, ctx) => (access.apiKeyId === null ? null : ctx.loaders.apiKeyById.load(access.apiKeyId)),
  consent: (access, _args, ctx) => (access.consentId === null ? null : ctx.loaders.consentById.load(access.consentId)),
  at: (access) => access.accessedAt,
};
