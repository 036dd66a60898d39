import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { DEMO_OFFER_COUNT, seedDatabase } from '../seed/seed';

const USAGE = `Usage: npm run seed -- [--offers N] [--active-share F] [--seed S]
  --offers N        offers in all (default ${DEMO_OFFER_COUNT}): 1,593 real ones topped up with generated ones
  --active-share F  share of generated offers left ACTIVE (default 1; the benchmark uses 0.25)
  --seed S          generator seed (default 20251126)
Uses DATABASE_URL like the server (default: the SQLite file under ./data/).`;

function parseArgs(argv: string[]): { offers: number; activeShare: number; seed?: number } {
  const out = { offers: DEMO_OFFER_COUNT, activeShare: 1, seed: undefined as number | undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = Number(value);
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag === '--offers' && Number.isInteger(num) && num >= 0) out.offers = num;
    else if (flag === '--active-share' && num >= 0 && num <= 1) out.activeShare = num;
    else if (flag === '--seed' && Number.isInteger(num)) out.seed = num;
    else {
      console.error(`Unexpected argument ${flag}${value !== undefined ? ' ' + value : ''}\n${USAGE}`);
      process.exit(2);
    }
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const dataSource = await openDatabase(config.database);
  // One bar per phase: the offers, then the keyword index (read, term rows, offer rows) or its queue.
  const barFor = (label: string, unit: string) =>
    new SingleBar(
      {
        format: `${label.padEnd(18)} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} | {eta_formatted} left`,
        etaBuffer: 50,
        // Not a terminal (CI, a log file): a line every 10 s instead of a redrawn bar.
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      Presets.shades_classic,
    );
  let bar = barFor('offers', 'offers');
  let phase = 'offers';
  bar.start(args.offers, 0);
  const started = Date.now();
  try {
    const report = await seedDatabase(dataSource, {
      totalOffers: args.offers,
      activeShare: args.activeShare,
      seed: args.seed,
      onProgress: (done) => bar.update(done),
      onPhase: (next, done, total) => {
        if (next !== phase) {
          bar.stop();
          phase = next;
          bar = barFor(next, next === 'index: term rows' ? 'rows' : 'offers');
          bar.start(total, done);
        } else bar.update(done);
      },
    });
    bar.stop();
    const phases = Object.entries(report.seconds).map(([name, s]) => `${name} ${s!.toFixed(1)} s`);
    console.log(
      `Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s (${phases.join(', ')}): ${report.realOffers} real + ${report.generatedOffers} generated offers, ${report.partners} partners; ${report.inserted} rows added${report.bulkLoad ? ' (MariaDB bulk load)' : ''}.`,
    );
  } finally {
    bar.stop();
    await dataSource.destroy();
  }
}

main().catch((err) => {
  console.error('Seeding failed:', err);
  process.exit(1);
});
