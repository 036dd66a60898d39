import DataLoader from 'dataloader';
import type { ApiKeyEntity, CandidateContactEntity, ConsentEntity, CvAccessLogEntity } from '../../entities';
import type { AuthService } from '../auth/auth.service';
import type { CandidateService } from './candidate.service';
import type { RequestScope } from '../auth/request-scope';
import type { CandidateCvModel } from './candidate.types';

/**
 * Per-request loaders of the candidate CVs. Built with the request's viewer: every answer is this
 * viewer's view (a partner's consent check is part of each batch), so they must never outlive the
 * request or serve another viewer.
 */
export interface CandidateLoaders {
  /**
   * The CV as this viewer may see it, or null: for a PARTNER, the batch's one statement joins each
   * CV to the consent covering that partner (the `activeConsentByCvId` check), and a CV without one
   * is null, like an unknown id. PUBLIC: always null, no statement.
   */
  candidateById: DataLoader<number, CandidateCvModel | null>;
  /** Contact details of a CV this viewer was given (keyed by the CV, for its consent; cached by id). */
  contactByCvId: DataLoader<CandidateCvModel, CandidateContactEntity | null, number>;
  /** AGENCY: every consent of a CV, newest first (FORBIDDEN for others). */
  consentsByCvId: DataLoader<number, ConsentEntity[]>;
  /** AGENCY: a consent by id (null for anyone else). */
  consentById: DataLoader<number, ConsentEntity | null>;
  /** AGENCY: partners' reads of a CV, by its pseudonym, newest first (FORBIDDEN for others). */
  accessLogByCvPseudonym: DataLoader<string, CvAccessLogEntity[]>;
  /** AGENCY: an API key by id, for access-log entries (null for anyone else). */
  apiKeyById: DataLoader<number, ApiKeyEntity | null>;
}

export function createCandidateLoaders(
  { candidates, auth }: { candidates: CandidateService; auth: AuthService },
  scope: RequestScope,
): CandidateLoaders {
  return {
    candidateById: new DataLoader(async (ids) => {
      const found = await candidates.visibleByIds(scope, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    contactByCvId: new DataLoader((cvs) => candidates.contacts(scope, cvs), { cacheKeyFn: (cv) => cv.id }),
    consentsByCvId: new DataLoader((ids) => candidates.consentsByCvIds(scope, ids)),
    consentById: new DataLoader(async (ids) => {
      const found = await candidates.consentsByIds(scope, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    accessLogByCvPseudonym: new DataLoader((pseudonyms) => candidates.accessLogByPseudonyms(scope, pseudonyms)),
    apiKeyById: new DataLoader(async (ids) => {
      if (scope.viewer.role !== 'AGENCY') return ids.map(() => null);
      const found = await auth.byIds([...ids]);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
