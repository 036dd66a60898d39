import type { MutationResolvers } from '../../src/__generated__/resolvers-types';

export const updateSyndicationPreferences: MutationResolvers['updateSyndicationPreferences'] = (_parent, { input }, ctx) =>
  ctx.services.syndication.updatePreferences(ctx.viewer, input, ctx.now);

export const registerSyndicationWebhook: MutationResolvers['registerSyndicationWebhook'] = (_parent, { url, after }, ctx) =>
  ctx.services.syndication.registerWebhook(ctx.viewer, String(url), after, ctx.now);

export const rotateSyndicationWebhookSecret: MutationResolvers['rotateSyndicationWebhookSecret'] = (_parent, _args, ctx) =>
  ctx.services.syndication.rotateWebhookSecret(ctx.viewer, ctx.now);

export const resumeSyndicationWebhook: MutationResolvers['resumeSyndicationWebhook'] = (_parent, _args, ctx) =>
  ctx.services.syndication.resumeWebhook(ctx.viewer, ctx.now);

export const removeSyndicationWebhook: MutationResolvers['removeSyndicationWebhook'] = (_parent, _args, ctx) =>
  ctx.services.syndication.removeWebhook(ctx.viewer, ctx.now);
