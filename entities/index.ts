import { ApiKeyEntity } from './api-key.entity';
import { AudienceOfferDayEntity } from './audience-offer-day.entity';
import { AudienceScopeDayEntity } from './audience-scope-day.entity';
import { AudienceSecretEntity } from './audience-secret.entity';
import { AudienceSketchDeltaEntity } from './audience-sketch-delta.entity';
import { AudienceSketchEntity } from './audience-sketch.entity';
import { CandidateContactEntity } from './candidate-contact.entity';
import { CandidateCvTermEntity } from './candidate-cv-term.entity';
import { CandidateCvEntity } from './candidate-cv.entity';
import { ConsentEntity } from './consent.entity';
import { CvAccessLogEntity } from './cv-access-log.entity';
import { IngestBatchEntity } from './ingest-batch.entity';
import { OfferEntity } from './offer.entity';
import { PartnerEntity } from './partner.entity';

export { ApiKeyEntity, IngestBatchEntity, OfferEntity, PartnerEntity };
export { CandidateContactEntity, CandidateCvEntity, CandidateCvTermEntity, ConsentEntity, CvAccessLogEntity };
export type { CvEducation, CvExperience } from './candidate-cv.entity';
export type { CvTermKind } from './candidate-cv-term.entity';
export type { CvAccessField } from './cv-access-log.entity';
export type { ApiKeyRole } from './api-key.entity';
export type { OfferSource, OfferStatus, ContractType, SalaryPeriod } from './offer.entity';
export type { PartnerStatus } from './partner.entity';
export { AudienceOfferDayEntity, AudienceScopeDayEntity, AudienceSecretEntity, AudienceSketchDeltaEntity, AudienceSketchEntity };
export { SITE_SCOPE } from './audience-scope-day.entity';

/** Every entity of the hub, for the data source. */
export const ENTITIES = [
  PartnerEntity,
  OfferEntity,
  ApiKeyEntity,
  IngestBatchEntity,
  CandidateCvEntity,
  CandidateCvTermEntity,
  CandidateContactEntity,
  ConsentEntity,
  CvAccessLogEntity,
  AudienceOfferDayEntity,
  AudienceScopeDayEntity,
  AudienceSketchEntity,
  AudienceSketchDeltaEntity,
  AudienceSecretEntity,
];
