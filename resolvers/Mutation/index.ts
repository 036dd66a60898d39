import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { issueApiKey, revokeApiKey } from './apiKeys';
import { upsertOffers, withdrawOffers } from './offers';
import { createPartner, reactivatePartner, suspendPartner } from './partners';

export const Mutation: MutationResolvers = {
  createPartner,
  suspendPartner,
  reactivatePartner,
  issueApiKey,
  revokeApiKey,
  upsertOffers,
  withdrawOffers,
};
