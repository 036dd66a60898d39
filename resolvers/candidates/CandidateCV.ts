import type { CandidateCvResolvers } from '../../src/__generated__/resolvers-types';
import { requireAgency } from '../../src/auth/viewer';
import { localIdOf, toGlobalId } from '../../src/lib/ids';
import { getReferentials } from '../../src/referentials/referential.service';
import type { RomeOccupation } from '../../src/referentials/referential.types';

/**
 * CandidateCV fields. The CV itself reached this viewer through the candidate service (consent
 * checked, read logged); contact goes through a loader that applies the contact consent and logs.
 */
export const CandidateCV: CandidateCvResolvers = {
  /** Federation: exactly Query.candidate's view (null without consent, unknown and malformed alike), read logged. */
  __resolveReference: (ref, ctx) => {
    const id = localIdOf(ref.id, 'CandidateCV');
    return id === null ? null : ctx.loaders.candidateById.load(id);
  },
  id: (cv) => toGlobalId('CandidateCV', cv.id),
  rome: (cv) => cv.romeCodes.map((code) => getReferentials().rome(code)).filter((r): r is RomeOccupation => r !== null),
  location: (cv) => ({
    label: `${cv.departmentCode} - ${cv.city}`,
    communeCode: cv.communeCode,
    postalCode: cv.postalCode,
    city: cv.city,
    departmentCode: cv.departmentCode,
    regionCode: cv.regionCode,
    latitude: cv.latitude,
    longitude: cv.longitude,
  }),
  contact: (cv, _args, ctx) => ctx.loaders.contactByCvId.load(cv),
  candidateRef: (cv, _args, ctx) => {
    requireAgency(ctx.viewer);
    return cv.candidateRef;
  },
  pseudonym: (cv, _args, ctx) => {
    requireAgency(ctx.viewer);
    return cv.pseudonym;
  },
  consents: (cv, _args, ctx) => ctx.loaders.consentsByCvId.load(cv.id),
  accessLog: (cv, _args, ctx) => ctx.loaders.accessLogByCvPseudonym.load(cv.pseudonym),
};
