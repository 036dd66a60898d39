import type { DataSource } from 'typeorm';
import { AuthService } from './auth/auth.service';
import { ReportLinkService } from './reports/report-link.service';
import { AudienceService } from './audience/audience.service';
import { CandidateService } from './candidates/candidate.service';
import { HubStatsService } from './reports/hub-stats.service';
import { IngestionService } from './ingestion/ingestion.service';
import { OfferSearchIndexService } from './offers/offer-search-index';
import { OfferSearchService } from './offers/offer-search.service';
import { PartnerService } from './partners/partner.service';
import { RetentionService } from './candidates/retention.service';
import { SyndicationDeliveryService } from './syndication/syndication-delivery';
import { SyndicationService, type WebhookUrlPolicy } from './syndication/syndication.service';

/** The hub's services, built once per data source and shared by all requests (they hold no request state). */
export interface Services {
  dataSource: DataSource;
  auth: AuthService;
  offers: OfferSearchService;
  /** MariaDB's keyword index, fed from a queue (a no-op on SQLite). */
  keywordIndex: OfferSearchIndexService;
  partners: PartnerService;
  ingestion: IngestionService;
  candidates: CandidateService;
  retention: RetentionService;
  audience: AudienceService;
  hubStats: HubStatsService;
  reportLinks: ReportLinkService;
  /** The agency's offers syndicated to partners: change feed and preferences. */
  syndication: SyndicationService;
  /** Webhook deliveries of the syndication feed (run on a timer by main.ts). */
  syndicationDelivery: SyndicationDeliveryService;
}

export function createServices(dataSource: DataSource, opts: { adminKey?: string; webhookUrlPolicy?: WebhookUrlPolicy } = {}): Services {
  const keywordIndex = new OfferSearchIndexService(dataSource);
  const offers = new OfferSearchService(dataSource, keywordIndex);
  const syndication = new SyndicationService(dataSource, offers, opts.webhookUrlPolicy);
  return {
    dataSource,
    auth: new AuthService(dataSource, opts.adminKey ?? process.env.PASSERELLE_ADMIN_KEY),
    offers,
    syndication,
    syndicationDelivery: new SyndicationDeliveryService(dataSource, syndication),
    keywordIndex,
    partners: new PartnerService(dataSource),
    ingestion: new IngestionService(dataSource),
    candidates: new CandidateService(dataSource),
    retention: new RetentionService(dataSource),
    ...audienceServices(dataSource),
  };
}

/** Audience collection and reports, the agency's key figures, and the report pages' signed links. */
function audienceServices(dataSource: DataSource): Pick<Services, 'audience' | 'hubStats' | 'reportLinks'> {
  const audience = new AudienceService(dataSource);
  const hubStats = new HubStatsService(dataSource);
  return { audience, hubStats, reportLinks: new ReportLinkService(dataSource, { audience, hubStats }) };
}
