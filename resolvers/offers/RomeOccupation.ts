import type { RomeOccupationResolvers } from '../../src/__generated__/resolvers-types';

export const RomeOccupation: RomeOccupationResolvers = {
  domain: (rome) => ({ code: rome.domainCode, label: rome.domainLabel }),
};
