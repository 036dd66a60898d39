import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { apiKeys } from './apiKeys';
import { node } from './node';
import { offer } from './offer';
import { offers } from './offers';
import { partner } from './partner';
import { partners } from './partners';
import { viewer } from './viewer';

export const Query: QueryResolvers = { apiKeys, node, offer, offers, partner, partners, viewer };
