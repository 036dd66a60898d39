import type { Resolvers } from '../src/__generated__/resolvers-types';
import { ApiKey } from './ApiKey';
import { Mutation } from './Mutation';
import { Node } from './Node';
import { Offer } from './Offer';
import { OfferConnection, OfferFacets } from './OfferConnection';
import { OfferUpsertResult } from './OfferUpsertResult';
import { Partner } from './Partner';
import { Query } from './Query';
import { RomeOccupation } from './RomeOccupation';
import { scalars } from './scalars';
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
};
