import type { QueryResolvers } from '../src/__generated__/resolvers-types';
import { assertUnreachable } from '../src/errors';
import { fromGlobalId } from '../src/lib/ids';
import { asNode } from './Node';

/** Any object by global id; an unknown, malformed or hidden id answers null, like a missing object. */
export const node: QueryResolvers['node'] = async (_parent, { id }, ctx) => {
  const parsed = fromGlobalId(id);
  if (!parsed) return null;
  switch (parsed.type) {
    case 'Offer':
      return asNode('Offer', await ctx.loaders.offerById.load(parsed.id));
    case 'Partner':
      return asNode('Partner', await ctx.loaders.partnerById.load(parsed.id));
    case 'ApiKey':
      return ctx.viewer.role === 'AGENCY' ? asNode('ApiKey', (await ctx.services.auth.byIds([parsed.id])).get(parsed.id) ?? null) : null;
    case 'CandidateCV':
      // The same view as Query.candidate: null unless this viewer may see the CV.
      return asNode('CandidateCV', await ctx.loaders.candidateById.load(parsed.id));
    case 'Consent':
      return asNode('Consent', await ctx.loaders.consentById.load(parsed.id));
    default:
      return assertUnreachable(parsed.type);
  }
};
