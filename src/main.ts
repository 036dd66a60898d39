import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { seedDemoActivity } from './seed/demo-activity';
import { DEMO_OFFER_COUNT, seedDatabase } from './seed/seed';
import { createLogger } from './logger';
import { startHub } from './server';
import { openSharedState } from './shared-state/redis-shared-state';

/** How often ACTIVE offers past validThrough are marked EXPIRED (public search hides them at once anyway). */
const EXPIRY_INTERVAL_MS = 60_000;
const AUDIENCE_FOLD_INTERVAL_MS = 60_000;

/** In-flight requests get this long to finish on SIGTERM before their connections close. */
const SHUTDOWN_GRACE_MS = 10_000;

/** `npm start`: migrate, seed the demo data unless told not to, serve. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const replicas =
    config.database.type === 'mysql' && config.database.replication
      ? ` with ${config.database.replication.replicas.length} read replica(s)`
      : '';
  const where =
    config.database.type === 'sqlite'
      ? `SQLite ${config.database.path}`
      : `MySQL ${config.database.host}:${config.database.port}/${config.database.database}${replicas}`;
  log.info(`Passerelle: opening ${where} (migrations run now)`);
  const sharedState = await openSharedState(config.redis.url, config.redis.prefix);
  if (config.redis.url) log.info(`Shared state (rate limits, persisted queries) in Redis at ${config.redis.url}`);
  const dataSource = await openDatabase(config.database, { logSql: config.logSql, timeouts: config.databaseTimeouts });
  const hub = await startHub(dataSource, {
    port: config.port,
    limits: config.limits,
    queryLimits: config.queryLimits,
    logger: log,
    fieldSuggestions: config.fieldSuggestions,
    metricsToken: config.metricsToken,
    graphiql: config.graphiql,
    introspection: config.introspection,
    cors: config.cors,
    readYourWritesMs: config.database.type === 'mysql' ? config.database.replication?.readYourWritesMs : undefined,
    sharedState,
    responseCache: config.responseCache,
    serviceSettings: config.services,
    // Anonymous queries without Apollo's per-request pipeline (src/graphql/lean-executor.ts); off: LEAN_READ_PATH=false.
    leanReadPath: config.leanReadPath,
  });
  if (config.seedDemo) {
    const started = Date.now();
    const report = await seedDatabase(dataSource, { totalOffers: DEMO_OFFER_COUNT });
    log.info(
      `Demo data: ${report.realOffers} real France Travail offers + ${report.generatedOffers} generated, ${report.partners} partners (${report.inserted} rows added, ${Date.now() - started} ms)`,
    );
    const activity = await seedDemoActivity(dataSource);
    if (activity.cvsCreated || activity.audienceEvents) {
      log.info(
        `Demo activity: ${activity.cvsCreated} CVs of fictitious candidates, ${activity.consentsCreated} consents (${activity.consentPartners.join(', ')} and all partners), ${activity.audienceEvents} audience events over the last 30 days`,
      );
    }
    const [demoPartner] = await hub.services.partners.list();
    const keys = await hub.services.auth.rotateDemoKeys(demoPartner?.id ?? null);
    hub.setDemoKeys({ ...keys, partnerName: demoPartner?.name ?? null });
    log.info(`Demo API keys (new at each start; the previous ones are revoked):`);
    log.info(`  AGENCY:  Authorization: Bearer ${keys.agencyKey}`);
    if (keys.partnerKey) log.info(`  PARTNER (${demoPartner.name}):  Authorization: Bearer ${keys.partnerKey}`);
  }
  if (config.services.adminKey) log.info('PASSERELLE_ADMIN_KEY is set: it is accepted as an AGENCY key.');
  const expire = () =>
    hub.services.ingestion.expireOffers().then(
      (n) => n > 0 && log.info(`Expired ${n} offers past their validThrough`),
      (err) => log.error({ err }, 'Expiry failed'),
    );
  await expire();
  const expiryTimer = setInterval(expire, EXPIRY_INTERVAL_MS);
  expiryTimer.unref();
  // Candidate-data storage limits (consents, stale CVs, access log): every RETENTION_INTERVAL_MINUTES.
  const retain = () =>
    hub.services.retention.run().then(
      (r) =>
        (r.consentsExpired || r.cvsDeleted || r.accessLogRowsPurged) &&
        log.info(
          `Retention: ${r.consentsExpired} consents expired, ${r.cvsDeleted} CVs deleted, ${r.accessLogRowsPurged} access-log rows purged`,
        ),
      (err) => log.error({ err }, 'Retention failed'),
    );
  await retain();
  const retentionTimer = setInterval(retain, config.background.retentionIntervalMs);
  retentionTimer.unref();
  // Audience: distinct-visitor sketch deltas folded into their sketches (reports merge them anyway).
  const fold = () => hub.services.audience.foldSketchDeltas().catch((err) => log.error({ err }, 'Folding audience sketches failed'));
  const foldTimer = setInterval(fold, AUDIENCE_FOLD_INTERVAL_MS);
  foldTimer.unref();
  // MariaDB keyword index: offers queued by the writes of any process, indexed in the background
  // (deferring to bulk loads for up to SEARCH_INDEX_MAX_LAG_SECONDS).
  const maxLagMs = config.background.searchIndexMaxLagSeconds * 1000;
  const indexKeywords = () =>
    hub.services.keywordIndex
      .backgroundPass(maxLagMs)
      .catch((err) => log.error({ err }, 'Keyword indexing failed (the queue keeps the offers; retried)'));
  void indexKeywords();
  const indexTimer = setInterval(indexKeywords, config.background.searchIndexIntervalMs);
  indexTimer.unref();
  // Syndication: webhook deliveries (each run also sequences the change log), and log compaction.
  // The sequencer also runs here, so pending changes never pile up while nobody reads a feed.
  const deliver = () =>
    hub.services.syndication.log
      .sequence()
      .then(() => hub.services.syndicationDelivery.runOnce())
      .catch((err) => log.error({ err }, 'Syndication sequencing or webhook deliveries failed (retried)'));
  const deliveryTimer = setInterval(deliver, config.background.syndicationDeliveryIntervalMs);
  deliveryTimer.unref();
  const compaction = config.background.syndicationCompaction;
  const compact = () =>
    hub.services.syndication.log.compact(new Date(), compaction).then(
      (r) =>
        (r.superseded || r.purged) && log.info(`Syndication log: ${r.superseded} superseded and ${r.purged} expired changes compacted`),
      (err) => log.error({ err }, 'Syndication log compaction failed'),
    );
  const compactTimer = setInterval(compact, compaction.intervalMs);
  compactTimer.unref();
  log.info(`Passerelle is listening on ${hub.url}`);

  // SIGTERM: stop accepting, let the requests in flight finish (10 s at most: an ingestion batch
  // commits or rolls back whole, in its transaction), then close the pool.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: closing (in-flight requests get ${SHUTDOWN_GRACE_MS / 1000} s)`);
    clearInterval(expiryTimer);
    clearInterval(retentionTimer);
    clearInterval(foldTimer);
    clearInterval(indexTimer);
    clearInterval(deliveryTimer);
    clearInterval(compactTimer);
    await hub.close({ graceMs: SHUTDOWN_GRACE_MS });
    await dataSource.destroy();
    await sharedState.close();
    log.info('Closed');
    log.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error('Passerelle failed to start:', err instanceof Error ? err.message : err);
  if (process.env.NODE_ENV !== 'production' && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
