import type { DataSource } from 'typeorm';
import { DEFAULT_SERVICE_SETTINGS, type ServiceSettings } from './config';
import { setCountWriteCoalesceMs, setStockVersionPollMs } from './db/offer-stock';
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
import { deliveryOptions, SyndicationDeliveryService } from './syndication/syndication-delivery';
import { SyndicationService } from './syndication/syndication.service';

/** The hub's services, built once per data source and shared by all requests (they hold no request state). */
export interface Services {
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

/** Builds the services of one data source with their settings (config.ts, loadConfig().services; unset ones: the defaults). */
export function createServices(dataSource: DataSource, configured: Partial<ServiceSettings> = {}): Services {
  const settings: ServiceSettings = { ...DEFAULT_SERVICE_SETTINGS, ...configured };
  setStockVersionPollMs(dataSource, settings.stockVersionPollMs);
  setCountWriteCoalesceMs(dataSource, settings.countWriteCoalesceMs);
  const keywordIndex = new OfferSearchIndexService(dataSource, settings.searchSyncBacklog);
  const offers = new OfferSearchService(dataSource, keywordIndex, {
    countCacheSeconds: settings.countCacheSeconds,
    keywordCacheSeconds: settings.keywordCacheSeconds,
  });
  const syndication = new SyndicationService(dataSource, offers, settings.webhookUrlPolicy);
  return {
    auth: new AuthService(dataSource, settings.adminKey),
    offers,
    syndication,
    syndicationDelivery: new SyndicationDeliveryService(dataSource, syndication, deliveryOptions(settings.webhookDelivery)),
    keywordIndex,
    partners: new PartnerService(dataSource),
    ingestion: new IngestionService(dataSource),
    candidates: new CandidateService(dataSource),
    retention: new RetentionService(dataSource),
    ...audienceServices(dataSource, settings),
  };
}

/** Audience collection and reports, the agency's key figures, and the report pages' signed links. */
function audienceServices(dataSource: DataSource, settings: ServiceSettings): Pick<Services, 'audience' | 'hubStats' | 'reportLinks'> {
  const audience = new AudienceService(dataSource, { maxEventAgeDays: settings.audienceMaxEventAgeDays });
  const hubStats = new HubStatsService(dataSource);
  const reportLinks = new ReportLinkService(
    dataSource,
    { audience, hubStats },
    {
      secret: settings.reportLinkSecret,
      ttlSeconds: settings.reportLinkTtlSeconds,
    },
  );
  return { audience, hubStats, reportLinks };
}
