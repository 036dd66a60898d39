import type { ContractType, OfferEntity, OfferSource, OfferStatus } from '../../entities';
import type { CursorPosition } from '../lib/cursor';

/** An offer as resolvers see it: the entity, plus its distance when the query had `near`. */
export type OfferModel = OfferEntity & { distanceKm?: number | null; sortKey?: number };

export type OfferSortOrder = CursorPosition['sort'];

/** A validated OfferFilter: ids decoded, keywords tokenised, the `near` place resolved. */
export interface OfferFilterSpec {
  keywordTokens?: string[];
  romeCodes?: string[];
  contractTypes?: ContractType[];
  departmentCodes?: string[];
  regionCodes?: string[];
  near?: { latitude: number; longitude: number; radiusKm: number };
  source?: OfferSource;
  partnerIds?: number[];
  excludePartnerIds?: number[];
  publishedSince?: Date;
  minSalary?: number;
  /**
   * A publisher's own view (set only after checking the viewer may see it: offer-ownership.ts):
   * offers in these effective statuses instead of public visibility. Absent: public offers only.
   */
  statuses?: OfferStatus[];
}

/** One page request over public offers. */
export interface OfferQuery {
  filter: OfferFilterSpec;
  sort: OfferSortOrder;
  first: number;
  after: CursorPosition | null;
  /** Partner.offers: only this partner's offers. */
  partnerId: number | null;
  /**
   * The Offer fields the operation shows (GraphQL names): a page reads only their columns, and the
   * fields of other columns stay undefined in its models. Undefined: every column.
   */
  fields?: ReadonlySet<string>;
}

/** Facet dimensions, each tied to the filter it ignores. */
export type FacetDimension = 'contractType' | 'departmentCode' | 'source' | 'partner' | 'romeCode';

export interface FacetCount {
  value: string;
  count: number;
}

/** What an OfferConnection resolver receives: the page, and the query for lazy totals and facets. */
export interface OfferConnectionModel {
  query: OfferQuery;
  rows: OfferModel[];
  hasNextPage: boolean;
}
