import { InitialOfferHub1764165600000 } from './1764165600000-initial-offer-hub';

/** Every migration, oldest first. Add new ones at the end; never edit a released one. */
export const MIGRATIONS = [InitialOfferHub1764165600000];
