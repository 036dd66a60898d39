import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { issueApiKey, revokeApiKey } from './apiKeys';
import { recordAudienceEvents } from './audience';
import { eraseCandidate, grantCVConsent, publishCV, revokeCVConsent, updateCV } from './cvs';
import { upsertOffers, withdrawOffers } from './offers';
import { createPartner, reactivatePartner, suspendPartner } from './partners';
import {
  registerSyndicationWebhook,
  removeSyndicationWebhook,
  resumeSyndicationWebhook,
  rotateSyndicationWebhookSecret,
  updateSyndicationPreferences,
} from './syndication';

export const Mutation: MutationResolvers = {
  createPartner,
  suspendPartner,
  reactivatePartner,
  issueApiKey,
  revokeApiKey,
  upsertOffers,
  withdrawOffers,
  publishCV,
  updateCV,
  grantCVConsent,
  revokeCVConsent,
  eraseCandidate,
  recordAudienceEvents,
  updateSyndicationPreferences,
  registerSyndicationWebhook,
  rotateSyndicationWebhookSecret,
  resumeSyndicationWebhook,
  removeSyndicationWebhook,
};
