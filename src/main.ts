import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { DEMO_OFFER_COUNT, seedDatabase } from './db/seed/seed';
import { startHub } from './server';

/** `npm start`: migrate, seed the demo data unless told not to, serve. */
async function main(): Promise<void> {
  const config = loadConfig();
  const where = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : `MySQL ${config.database.host}:${config.database.port}/${config.database.database}`;
  console.log(`Passerelle: opening ${where} (migrations run now)`);
  const dataSource = await openDatabase(config.database, { logSql: config.logSql });
  if (config.seedDemo) {
    const started = Date.now();
    const report = await seedDatabase(dataSource, { totalOffers: DEMO_OFFER_COUNT });
    console.log(`Demo data: ${report.realOffers} real France Travail offers + ${report.generatedOffers} generated, ${report.partners} partners (${report.inserted} rows added, ${Date.now() - started} ms)`);
  }
  const hub = await startHub(dataSource, { port: config.port });
  console.log(`Passerelle is listening on ${hub.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
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
