import 'reflect-metadata';
import { loadConfig, numberFromEnv } from './config';
import { openDatabase } from './db/data-source';
import { DEMO_OFFER_COUNT, seedDatabase } from './db/seed/seed';
import { startHub } from './server';
import { indexIntervalMsFromEnv, maxLagSecondsFromEnv } from './services/offer-search-index';
import { retentionIntervalMs } from './services/retention.service';
import { compactionSettingsFromEnv } from './services/syndication-log';

/** How often ACTIVE offers past validThrough are marked EXPIRED (public search hides them at once anyway). */
const EXPIRY_INTERVAL_MS = 60_000;
const AUDIENCE_FOLD_INTERVAL_MS = 60_000;

/** `npm start`: migrate, seed the demo data unless told not to, serve. */
async function main(): Promise<void> {
  const config = loadConfig();
  const where =
    config.database.type === 'sqlite'
      ? `SQLite ${config.database.path}`
      : `MySQL ${config.database.host}:${config.database.port}/${config.database.database}`;
  console.log(`Passerelle: opening ${where} (migrations run now)`);
  const dataSource = await openDatabase(config.database, { logSql: config.logSql });
  const hub = await startHub(dataSource, { port: config.port, limits: config.limits });
  if (config.seedDemo) {
    const started = Date.now();
    const report = await seedDatabase(dataSource, { totalOffers: DEMO_OFFER_COUNT });
    console.log(
      `Demo data: ${report.realOffers} real France Travail offers + ${report.generatedOffers} generated, ${report.partners} partners (${report.inserted} rows added, ${Date.now() - started} ms)`,
    );
    const [demoPartner] = await hub.services.partners.list();
    const keys = await hub.services.auth.rotateDemoKeys(demoPartner?.id ?? null);
    console.log(`Demo API keys (new at each start; the previous ones are revoked):`);
    console.log(`  AGENCY:  Authorization: Bearer ${keys.agencyKey}`);
    if (keys.partnerKey) console.log(`  PARTNER (${demoPartner.name}):  Authorization: Bearer ${keys.partnerKey}`);
  }
  if (process.env.PASSERELLE_ADMIN_KEY) console.log('PASSERELLE_ADMIN_KEY is set: it is accepted as an AGENCY key.');
  const expire = () =>
    hub.services.ingestion.expireOffers().then(
      (n) => n > 0 && console.log(`Expired ${n} offers past their validThrough`),
      (err) => console.error('Expiry failed:', err),
    );
  await expire();
  const expiryTimer = setInterval(expire, EXPIRY_INTERVAL_MS);
  expiryTimer.unref();
  // Candidate-data storage limits (consents, stale CVs, access log): every RETENTION_INTERVAL_MINUTES.
  const retain = () =>
    hub.services.retention.run().then(
      (r) =>
        (r.consentsExpired || r.cvsDeleted || r.accessLogRowsPurged) &&
        console.log(
          `Retention: ${r.consentsExpired} consents expired, ${r.cvsDeleted} CVs deleted, ${r.accessLogRowsPurged} access-log rows purged`,
        ),
      (err) => console.error('Retention failed:', err),
    );
  await retain();
  const retentionTimer = setInterval(retain, retentionIntervalMs());
  retentionTimer.unref();
  // Audience: distinct-visitor sketch deltas folded into their sketches (reports merge them anyway).
  const fold = () => hub.services.audience.foldSketchDeltas().catch((err) => console.error('Folding audience sketches failed:', err));
  const foldTimer = setInterval(fold, AUDIENCE_FOLD_INTERVAL_MS);
  foldTimer.unref();
  // MariaDB keyword index: offers queued by the writes of any process, indexed in the background
  // (deferring to bulk loads for up to SEARCH_INDEX_MAX_LAG_SECONDS).
  const maxLagMs = maxLagSecondsFromEnv() * 1000;
  const indexKeywords = () =>
    hub.services.keywordIndex
      .backgroundPass(maxLagMs)
      .catch((err) => console.error('Keyword indexing failed (the queue keeps the offers; retried):', err));
  void indexKeywords();
  const indexTimer = setInterval(indexKeywords, indexIntervalMsFromEnv());
  indexTimer.unref();
  // Syndication: webhook deliveries (each run also sequences the change log), and log compaction.
  // The sequencer also runs here, so pending changes never pile up while nobody reads a feed.
  const deliver = () =>
    hub.services.syndication.log
      .sequence()
      .then(() => hub.services.syndicationDelivery.runOnce())
      .catch((err) => console.error('Syndication sequencing or webhook deliveries failed (retried):', err));
  const deliveryTimer = setInterval(
    deliver,
    numberFromEnv(process.env, 'SYNDICATION_DELIVERY_INTERVAL_MS', 1_000, { min: 10, integer: true, unit: 'milliseconds' }),
  );
  deliveryTimer.unref();
  const compaction = compactionSettingsFromEnv();
  const compact = () =>
    hub.services.syndication.log.compact(new Date(), compaction).then(
      (r) =>
        (r.superseded || r.purged) && console.log(`Syndication log: ${r.superseded} superseded and ${r.purged} expired changes compacted`),
      (err) => console.error('Syndication log compaction failed:', err),
    );
  const compactTimer = setInterval(compact, compaction.intervalMs);
  compactTimer.unref();
  console.log(`Passerelle is listening on ${hub.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    clearInterval(expiryTimer);
    clearInterval(retentionTimer);
    clearInterval(foldTimer);
    clearInterval(indexTimer);
    clearInterval(deliveryTimer);
    clearInterval(compactTimer);
    await hub.close();
    await dataSource.destroy();
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
