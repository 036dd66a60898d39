import type { Resolvers } from '../src/__generated__/resolvers-types';
import { Node } from './Node';
import { Offer } from './Offer';
import { OfferConnection, OfferFacets } from './OfferConnection';
import { Partner } from './Partner';
import { Query } from './Query';
import { RomeOccupation } from './RomeOccupation';
import { scalars } from './scalars';

export const resolvers: Resolvers = {
  ...scalars,
  Query,
  Node,
  Offer,
  OfferConnection,
  OfferFacets,
  Partner,
  RomeOccupation,
};
