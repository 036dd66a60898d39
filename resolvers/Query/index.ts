import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { apiKeys } from './apiKeys';
import { audience } from './audience';
import { candidate } from './candidate';
import { candidates } from './candidates';
import { cvAccessLog } from './cvAccessLog';
import { hubStats } from './hubStats';
import { node } from './node';
import { offer } from './offer';
import { offers } from './offers';
import { partner } from './partner';
import { partners } from './partners';
import { reportLink } from './reportLink';
import { syndicationFeed } from './syndicationFeed';
import { viewer } from './viewer';

export const Query: QueryResolvers = {
  apiKeys,
  node,
  offer,
  offers,
  partner,
  partners,
  viewer,
  candidates,
  candidate,
  cvAccessLog,
  audience,
  hubStats,
  reportLink,
  syndicationFeed,
};
