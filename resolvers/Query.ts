import type { QueryResolvers } from '../src/__generated__/resolvers-types';
import { apiKeys } from './partners/apiKeys.query';
import { audience } from './audience/audience.query';
import { candidate } from './candidates/candidate.query';
import { candidates } from './candidates/candidates.query';
import { cvAccessLog } from './candidates/cvAccessLog.query';
import { hubStats } from './reports/hubStats.query';
import { node } from './node.query';
import { offer } from './offers/offer.query';
import { offers } from './offers/offers.query';
import { partner } from './partners/partner.query';
import { partners } from './partners/partners.query';
import { reportLink } from './reports/reportLink.query';
import { syndicationFeed } from './syndication/syndicationFeed.query';
import { viewer } from './partners/viewer.query';

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
