import type { MutationResolvers } from '../src/__generated__/resolvers-types';
import { issueApiKey, revokeApiKey } from './partners/apiKeys.mutation';
import { recordAudienceEvents } from './audience/audience.mutation';
import { eraseCandidate, grantCVConsent, publishCV, revokeCVConsent, updateCV } from './candidates/cvs.mutation';
import { upsertOffers, withdrawOffers } from './ingestion/offers.mutation';
import { createPartner, reactivatePartner, suspendPartner } from './partners/partners.mutation';
import {
  registerSyndicationWebhook,
  removeSyndicationWebhook,
  resumeSyndicationWebhook,
  rotateSyndicationWebhookSecret,
  updateSyndicationPreferences,
} from './syndication/syndication.mutation';

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
