import type { DataSource } from 'typeorm';
import { OfferSearchService } from './offer-search.service';
import { PartnerService } from './partner.service';

/** The hub's services, built once per data source and shared by all requests (they hold no request state). */
export interface Services {
  dataSource: DataSource;
  offers: OfferSearchService;
  partners: PartnerService;
}

export function createServices(dataSource: DataSource): Services {
  return {
    dataSource,
    offers: new OfferSearchService(dataSource),
    partners: new PartnerService(dataSource),
  };
}
