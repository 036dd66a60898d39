import { OfferEntity } from './offer.entity';
import { PartnerEntity } from './partner.entity';

export { OfferEntity, PartnerEntity };
export type { OfferSource, OfferStatus, ContractType, SalaryPeriod } from './offer.entity';
export type { PartnerStatus } from './partner.entity';

/** Every entity of the hub, for the data source. */
export const ENTITIES = [PartnerEntity, OfferEntity];
