import { SafeIntResolver } from 'graphql-scalars';
import type { Resolvers } from '../src/__generated__/resolvers-types';
import { ApiKey } from './partners/ApiKey';
import { CandidateCV } from './candidates/CandidateCV';
import { CandidateCVConnection } from './candidates/CandidateCVConnection';
import { Consent } from './candidates/Consent';
import { CvAccess } from './candidates/CvAccess';
import { HubStats } from './reports/HubStats';
import { Mutation } from './Mutation';
import { Node } from './Node';
import { Offer } from './offers/Offer';
import { OfferConnection, OfferFacets } from './offers/OfferConnection';
import { OfferUpsertResult } from './ingestion/OfferUpsertResult';
import { Partner } from './partners/Partner';
import { Query } from './Query';
import { RomeOccupation } from './offers/RomeOccupation';
import { scalars } from './scalars';
import { OfferChange, PartnerSyndication, SyndicationWebhookSecret } from './syndication/Syndication';
import { Viewer } from './partners/Viewer';

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
