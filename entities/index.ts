import { ApiKeyEntity } from './partners/api-key.entity';
import { AudienceOfferDayEntity } from './audience/audience-offer-day.entity';
import { AudienceScopeDayEntity } from './audience/audience-scope-day.entity';
import { AudienceSecretEntity } from './audience/audience-secret.entity';
import { AudienceSketchDeltaEntity } from './audience/audience-sketch-delta.entity';
import { AudienceSketchEntity } from './audience/audience-sketch.entity';
import { CandidateContactEntity } from './candidates/candidate-contact.entity';
import { CandidateCvTermEntity } from './candidates/candidate-cv-term.entity';
import { CandidateCvEntity } from './candidates/candidate-cv.entity';
import { ConsentEntity } from './candidates/consent.entity';
import { CvAccessLogEntity } from './candidates/cv-access-log.entity';
import { IngestBatchEntity } from './ingestion/ingest-batch.entity';
import { OfferEntity } from './offers/offer.entity';
import { PartnerEntity } from './partners/partner.entity';

export { ApiKeyEntity, IngestBatchEntity, OfferEntity, PartnerEntity };
export { CandidateContactEntity, CandidateCvEntity, CandidateCvTermEntity, ConsentEntity, CvAccessLogEntity };
export type { CvEducation, CvExperience } from './candidates/candidate-cv.entity';
export type { CvTermKind } from './candidates/candidate-cv-term.entity';
export type { CvAccessField } from './candidates/cv-access-log.entity';
export type { ApiKeyRole } from './partners/api-key.entity';
export type { OfferSource, OfferStatus, ContractType, SalaryPeriod } from './offers/offer.entity';
export type { PartnerStatus } from './partners/partner.entity';
export { AudienceOfferDayEntity, AudienceScopeDayEntity, AudienceSecretEntity, AudienceSketchDeltaEntity, AudienceSketchEntity };
export { SITE_SCOPE } from './audience/audience-scope-day.entity';

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
