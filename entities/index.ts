import { ApiKeyEntity } from './api-key.entity';
import { IngestBatchEntity } from './ingest-batch.entity';
import { OfferEntity } from './offer.entity';
import { PartnerEntity } from './partner.entity';

export { ApiKeyEntity, IngestBatchEntity, OfferEntity, PartnerEntity };
export type { ApiKeyRole } from './api-key.entity';
export type { OfferSource, OfferStatus, ContractType, SalaryPeriod } from './offer.entity';
export type { PartnerStatus } from './partner.entity';

/** Every entity of the hub, for the data source. */
export const ENTITIES = [PartnerEntity, OfferEntity, ApiKeyEntity, IngestBatchEntity];
