import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { SHARED_DATA_DIR, SHIPPED_DATA_DIR } from '../lib/paths';

/** The real France Travail offers of the shared workspace (build input, not shipped). */
export const FRANCE_TRAVAIL_OFFERS_SOURCE = path.join(SHARED_DATA_DIR, 'offers', 'france-travail-v2-offers.json');

/** The shipped copy the seeder reads at run time: same bytes, gzipped. */
export const FRANCE_TRAVAIL_OFFERS_SHIPPED = path.join(SHIPPED_DATA_DIR, 'france-travail-offers.json.gz');

/**
 * Copies the real France Travail v2 offers into the repository, gzipped and otherwise untouched:
 * the v2 format is also a feed format partners send, so the demo data doubles as an import sample.
 * Validates that the source is a JSON array of offers with an `id` before writing anything.
 */
export function packDemoOffers(
  source: string = FRANCE_TRAVAIL_OFFERS_SOURCE,
  target: string = FRANCE_TRAVAIL_OFFERS_SHIPPED,
): { offers: number; bytesIn: number; bytesOut: number } {
  const raw = fs.readFileSync(source);
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of offers`);
  parsed.forEach((offer: unknown, index) => {
    if (typeof offer !== 'object' || offer === null || typeof (offer as { id?: unknown }).id !== 'string') {
      throw new Error(`${source}: offer #${index} has no string id`);
    }
  });
  // Node writes mtime 0 in the gzip header, so the same input always gives the same bytes
  // (no spurious diff when the script is re-run).
  const gz = zlib.gzipSync(raw, { level: 9 });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, gz);
  fs.renameSync(tmp, target);
  return { offers: parsed.length, bytesIn: raw.length, bytesOut: gz.length };
}

if (require.main === module) {
  try {
    const { offers, bytesIn, bytesOut } = packDemoOffers();
    console.log(
      `Packed ${offers} offers: ${path.relative(process.cwd(), FRANCE_TRAVAIL_OFFERS_SHIPPED)} ` +
        `(${(bytesIn / 1024).toFixed(0)} KiB -> ${(bytesOut / 1024).toFixed(0)} KiB)`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
