import type { MutationResolvers } from '../../src/__generated__/resolvers-types';

export const updateSyndicationPreferences: MutationResolvers['updateSyndicationPreferences'] = (_parent, { input }, ctx) =>
  ctx.services.syndication.updatePreferences(ctx.scope, input);

export const registerSyndicationWebhook: MutationResolvers['registerSyndicationWebhook'] = (_parent, { url, after }, ctx) =>
  ctx.services.syndication.registerWebhook(ctx.scope, String(url), after);

export const rotateSyndicationWebhookSecret: MutationResolvers['rotateSyndicationWebhookSecret'] = (_parent, _args, ctx) =>
  ctx.services.syndication.rotateWebhookSecret(ctx.scope);

export const resumeSyndicationWebhook: MutationResolvers['resumeSyndicationWebhook'] = (_parent, _args, ctx) =>
  ctx.services.syndication.resumeWebhook(ctx.scope);

export const removeSyndicationWebhook: MutationResolvers['removeSyndicationWebhook'] = (_parent, _args, ctx) =>
  ctx.services.syndication.removeWebhook(ctx.scope);
