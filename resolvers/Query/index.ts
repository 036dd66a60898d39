import type { QueryResolvers } from '../../src/__generated__/resolvers-types';
import { node } from './node';
import { offer } from './offer';
import { offers } from './offers';
import { partner } from './partner';
import { partners } from './partners';

export const Query: QueryResolvers = { node, offer, offers, partner, partners };
