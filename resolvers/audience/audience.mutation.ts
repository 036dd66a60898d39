import type { MutationResolvers } from '../../src/__generated__/resolvers-types';

/** The site reports what its visitors saw and clicked (AGENCY key); the service validates and aggregates. */
export const recordAudienceEvents: MutationResolvers['recordAudienceEvents'] = (_parent, { events }, ctx) =>
  ctx.services.audience.recordEvents(ctx.scope, events);
