import type { DataSource } from 'typeorm';
import { AuthService } from '../auth/auth.service';
import { IngestionService } from './ingestion.service';
import { OfferSearchService } from './offer-search.service';
import { PartnerService } from './partner.service';

/** The hub's services, built once per data source and shared by all requests (they hold no request state). */
export interface Services {
  dataSource: DataSource;
  auth: AuthService;
  offers: OfferSearchService;
  partners: PartnerService;
  ingestion: IngestionService;
}

export function createServices(dataSource: DataSource, opts: { adminKey?: string } = {}): Services {
  return {
    dataSource,
    auth: new AuthService(dataSource, opts.adminKey ?? process.env.PASSERELLE_ADMIN_KEY),
    offers: new OfferSearchService(dataSource),
    partners: new PartnerService(dataSource),
    ingestion: new IngestionService(dataSource),
  };
}
