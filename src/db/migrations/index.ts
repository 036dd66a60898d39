import { InitialOfferHub1764165600000 } from './1764165600000-initial-offer-hub';
import { PartnerIntegrations1764252000000 } from './1764252000000-partner-integrations';

/** Every migration, oldest first. Add new ones at the end; never edit a released one. */
export const MIGRATIONS = [InitialOfferHub1764165600000, PartnerIntegrations1764252000000];
