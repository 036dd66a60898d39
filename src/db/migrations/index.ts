import { InitialOfferHub1764165600000 } from './1764165600000-initial-offer-hub';
import { PartnerIntegrations1764252000000 } from './1764252000000-partner-integrations';
import { CandidateCvs1764338400000 } from './1764338400000-candidate-cvs';
import { Audience1764424800000 } from './1764424800000-audience';
import { FacetIndexes1764500000000 } from './1764500000000-facet-indexes';
import { CandidateTermDepartment1764586800000 } from './1764586800000-candidate-term-department';
import { CandidateTermRecency1764673200000 } from './1764673200000-candidate-term-recency';
import { OfferSearchIndex1764759600000 } from './1764759600000-offer-search-index';
import { AudienceKeyPeriods1764846000000 } from './1764846000000-audience-key-periods';
import { ExactReferences1764932400000 } from './1764932400000-exact-references';
import { ApiKeyExpiry1765018800000 } from './1765018800000-api-key-expiry';
import { DataVersion1765105200000 } from './1765105200000-data-version';
import { Syndication1765191600000 } from './1765191600000-syndication';
import { OfferTermIndex1765278000000 } from './1765278000000-offer-term-index';
import { CoveringPageIndex1765382400000 } from './1765382400000-covering-page-index';
import { SuspendedTriggers1765468800000 } from './1765468800000-suspended-triggers';

/** Every migration, oldest first. Add new ones at the end; never edit a released one. */
export const MIGRATIONS = [
  InitialOfferHub1764165600000,
  PartnerIntegrations1764252000000,
  CandidateCvs1764338400000,
  Audience1764424800000,
  FacetIndexes1764500000000,
  CandidateTermDepartment1764586800000,
  CandidateTermRecency1764673200000,
  OfferSearchIndex1764759600000,
  AudienceKeyPeriods1764846000000,
  ExactReferences1764932400000,
  ApiKeyExpiry1765018800000,
  DataVersion1765105200000,
  Syndication1765191600000,
  OfferTermIndex1765278000000,
  CoveringPageIndex1765382400000,
  SuspendedTriggers1765468800000,
];
