import { SafeIntResolver } from 'graphql-scalars';
import type { Resolvers } from '../src/__generated__/resolvers-types';
import { ApiKey } from './ApiKey';
import { CandidateCV } from './CandidateCV';
import { CandidateCVConnection } from './CandidateCVConnection';
import { Consent } from './Consent';
import { CvAccess } from './CvAccess';
import { HubStats } from './HubStats';
import { Mutation } from './Mutation';
import { Node } from './Node';
import { Offer } from './Offer';
import { OfferConnection, OfferFacets } from './OfferConnection';
import { OfferUpsertResult } from './OfferUpsertResult';
import { Partner } from './Partner';
import { Query } from './Query';
import { RomeOccupation } from './RomeOccupation';
import { scalars } from './scalars';
import { OfferChange, PartnerSyndication, SyndicationWebhookSecret } from './Syndication';
import { Viewer } from './Viewer';

export const resolvers: Resolvers = {
  ...scalars,
  Query,
  Mutation,
  ApiKey,
  Viewer,
  OfferUpsertResult,
  Node,
  Offer,
  OfferConnection,
  OfferFacets,
  Partner,
  RomeOccupation,
  CandidateCV,
  CandidateCVConnection,
  Consent,
  CvAccess,
  SafeInt: SafeIntResolver,
  HubStats,
  OfferChange,
  PartnerSyndication,
  SyndicationWebhookSecret,
};
