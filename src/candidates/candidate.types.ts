import type { CandidateCvEntity, ConsentEntity, ContractType, PartnerEntity } from '../../entities';

/** Documented limits of CVs, consents and the candidate search (docs/candidates.md). */
export const CV_LIMITS = {
  maxFirst: 100,
  candidateRef: 64,
  headline: 255,
  summary: 5000,
  skills: 50,
  skill: 100,
  romeCodes: 20,
  experiences: 30,
  experienceText: 255,
  experienceDescription: 2000,
  education: 20,
  educationLevel: 64,
  languages: 20,
  language: 64,
  drivingLicences: 16,
  drivingLicence: 16,
  contactName: 200,
  email: 254,
  defaultMobilityRadiusKm: 30,
  maxMobilityRadiusKm: 500,
  maxFilterList: 100,
  /** A consent lasts at most this long (CNIL guidance for talent pools), and this long by default. */
  consentYears: 2,
  /** The retention job deletes CVs with no active consent and no update for this long. */
  cvRetentionYears: 2,
  /** The retention job purges access-log rows older than this. */
  accessLogRetentionYears: 1,
} as const;

/**
 * A CV as resolvers see it: the entity, plus (for a PARTNER) the consent that lets this partner see
 * it, read in the same statement as the CV. `undefined` means "not read" and is treated as no consent.
 */
export type CandidateCvModel = CandidateCvEntity & { coveringConsent?: ConsentEntity | null };

/** A validated CandidateFilter: codes checked, keywords tokenised, the `near` place resolved. */
export interface CandidateFilterSpec {
  keywordTokens?: string[];
  romeCodes?: string[];
  /** Normalised (see normalizeSkill). */
  skills?: string[];
  departmentCodes?: string[];
  near?: { latitude: number; longitude: number; radiusKm: number };
  contractTypes?: ContractType[];
  /** YYYY-MM-DD. */
  availableBefore?: string;
}

/** Keyset position in (updated_at DESC, id DESC). */
export interface CandidateCursor {
  updatedAt: number;
  id: number;
}

export interface CandidateQuery {
  filter: CandidateFilterSpec;
  first: number;
  after: CandidateCursor | null;
}

export interface CandidateConnectionModel {
  query: CandidateQuery;
  rows: CandidateCvModel[];
  hasNextPage: boolean;
}

export interface ErasureReportModel {
  cvPseudonym: string;
  consentsErased: number;
  accessLogEntriesKept: number;
  partnersToNotify: PartnerEntity[];
}

export interface RetentionReport {
  /** Consents whose expiresAt had passed, now marked expired. */
  consentsExpired: number;
  /** CVs (with their contact, terms and consent history) deleted: no active consent, no update for 2 years. */
  cvsDeleted: number;
  /** Access-log rows older than 1 year, deleted. */
  accessLogRowsPurged: number;
}
