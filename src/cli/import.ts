import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { PartnerEntity } from '../../entities';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { FEED_FORMATS, isFeedFormat, type FeedFormat } from '../ingestion/feeds/feed-item';
import {
  FeedFormatError,
  importFeed,
  MAX_IMPORT_BATCH,
  SYNC_MAX_WITHDRAWN_SHARE,
  SYNC_MIN_ACCEPTED_SHARE,
  SYNC_SMALL_WITHDRAWAL,
  type ImportReport,
} from '../ingestion/feeds/feed-importer';
import { openFeedSource } from '../ingestion/feeds/feed-source';
import { IngestionService } from '../ingestion/ingestion.service';
import type { Publisher } from '../auth/viewer';

const USAGE = `Usage: npm run import -- (--partner <code> | --agency) [options] <file|url>

Imports a job feed through the same ingestion service as the upsertOffers mutation.
Formats: schema.org JobPosting JSON-LD (one posting, an array, an ItemList or a @graph),
Indeed XML (<source><job>...), France Travail "Offres d'emploi v2" JSON (an array or
{ "resultats": [...] }). A .gz file is inflated on the fly. URLs: http and https only.

  --partner <code>   publish as this partner (its code, e.g. cookorico)
  --agency           publish as the agency itself
  --sync             full feed: withdraw the publisher's ACTIVE offers the feed does not list
                     (only when the whole feed was read without a syntax error). Refused, nothing
                     withdrawn, exit code 3, when under ${SYNC_MIN_ACCEPTED_SHARE * 100} % of the feed's offers were accepted, or
                     when it would withdraw over ${SYNC_MAX_WITHDRAWN_SHARE * 100} % of the active offers (more than ${SYNC_SMALL_WITHDRAWAL})
  --force            --sync withdraws even then
  --dry-run          write nothing: print what would be created, updated, rejected and withdrawn
  --format <f>       ${FEED_FORMATS.join(' | ')} (default: detected from the first KB)
  --batch-size <n>   offers per ingestion call, 1 to ${MAX_IMPORT_BATCH} (default ${MAX_IMPORT_BATCH})
  --help             this text

Uses DATABASE_URL like the server (default: the SQLite file under ./data/).
Exit code: 0 when the import ran (rejected offers included), 1 on a malformed feed or a
failure, 2 on a usage error or an unknown partner, 3 when --sync was refused (the accepted
offers were imported; nothing was withdrawn).`;

/** Shown in full in the summary. */
const SHOWN_REJECTIONS = 20;

interface Args {
  partner: string | null;
  agency: boolean;
  sync: boolean;
  force: boolean;
  dryRun: boolean;
  format: FeedFormat | undefined;
  batchSize: number;
  source: string;
}

class UsageError extends Error {}

export function parseImportArgs(argv: readonly string[]): Args | 'help' {
  const args: Omit<Args, 'source'> & { source: string | null } = {
    partner: null,
    agency: false,
    sync: false,
    force: false,
    dryRun: false,
    format: undefined,
    batchSize: MAX_IMPORT_BATCH,
    source: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--partner') args.partner = value();
    else if (flag === '--agency') args.agency = true;
    else if (flag === '--sync') args.sync = true;
    else if (flag === '--force') args.force = true;
    else if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--format') {
      const format = value();
      if (!isFeedFormat(format)) throw new UsageError(`--format must be one of ${FEED_FORMATS.join(', ')}, got "${format}"`);
      args.format = format;
    } else if (flag === '--batch-size') {
      const size = Number(value());
      if (!Number.isInteger(size) || size < 1 || size > MAX_IMPORT_BATCH)
        throw new UsageError(`--batch-size must be an integer from 1 to ${MAX_IMPORT_BATCH}`);
      args.batchSize = size;
    } else if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
    else if (args.source !== null) throw new UsageError(`one feed at a time (got "${args.source}" and "${flag}")`);
    else args.source = flag;
  }
  if (args.agency === (args.partner !== null)) throw new UsageError('say who publishes: --partner <code> or --agency (one of them)');
  if (args.source === null) throw new UsageError('which feed? give a file or an http(s) URL');
  if (args.force && !args.sync) throw new UsageError('--force only applies to --sync');
  return { ...args, source: args.source };
}

async function resolvePublisher(dataSource: DataSource, args: Args): Promise<{ publisher: Publisher; name: string }> {
  if (args.agency) return { publisher: { kind: 'AGENCY' }, name: 'the agency' };
  const partner = await dataSource.getRepository(PartnerEntity).findOneBy({ code: args.partner! });
  if (!partner)
    throw new UsageError(
      `no partner with code "${args.partner}" (codes are slugs like "meteojob"; the agency registers partners with createPartner)`,
    );
  if (partner.status !== 'ACTIVE')
    throw new UsageError(`partner "${partner.code}" is ${partner.status}: reactivate it before importing its feed`);
  return { publisher: { kind: 'PARTNER', partnerId: partner.id }, name: `partner ${partner.code} (${partner.name})` };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

function printSummary(report: ImportReport, source: string, publisherName: string, seconds: number, sync: boolean): void {
  const lines: string[] = [];
  const would = report.dryRun ? 'would be ' : '';
  lines.push(
    `${report.dryRun ? 'DRY RUN (nothing written): read' : 'Imported'} ${source} (${report.format}) as ${publisherName} in ${seconds.toFixed(1)} s`,
  );
  lines.push(
    `  ${report.items} offer${report.items === 1 ? '' : 's'} in the feed: ${report.created} ${would}created, ${report.updated} ${would}updated, ${report.unchanged} unchanged, ${report.rejected} rejected`,
  );
  if (report.syntaxError) {
    const { line, column, message } = report.syntaxError;
    lines.push(`  THE FEED IS MALFORMED at line ${line}${column !== null ? `, column ${column}` : ''}: ${message}`);
    lines.push('  The offers before that point were imported; nothing after it was read.');
    if (sync) lines.push('  --sync: nothing withdrawn (the feed was not read to its end).');
  } else if (sync && report.syncSkipped) {
    lines.push(`  --sync: ${report.syncSkipped}`);
  } else if (sync && report.syncRefused) {
    lines.push(`  --sync REFUSED: ${report.syncRefused}`);
  } else if (sync) {
    lines.push(`  --sync: ${report.withdrawn} offer${report.withdrawn === 1 ? '' : 's'} absent from the feed ${would || ''}withdrawn`);
    if (report.dryRun && report.withdrawnIds.length > 0) {
      lines.push(
        `  first externalIds that would be withdrawn: ${report.withdrawnIds.slice(0, SHOWN_REJECTIONS).join(', ')}${report.withdrawn > SHOWN_REJECTIONS ? ', ...' : ''}`,
      );
    }
  }
  const reasons = Object.entries(report.rejectionCounts).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push('', 'Rejections by reason (first error of each):');
    for (const [reason, count] of reasons) lines.push(`  ${String(count).padStart(7)}  ${reason}`);
    lines.push('', `First ${Math.min(SHOWN_REJECTIONS, report.rejected)} rejections:`);
    for (const rejection of report.rejections.slice(0, SHOWN_REJECTIONS)) {
      lines.push(`  ${rejection.position}, externalId ${rejection.externalId === null ? '(none)' : JSON.stringify(rejection.externalId)}`);
      for (const error of rejection.errors) lines.push(`      ${error.field} [${error.code}] ${error.message}`);
    }
    if (report.rejected > SHOWN_REJECTIONS) lines.push(`  ... and ${report.rejected - SHOWN_REJECTIONS} more`);
  }
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseImportArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }

  const config = loadConfig();
  const dataSource = await openDatabase(config.database, { timeouts: config.databaseTimeouts });
  let bar: SingleBar | null = null;
  try {
    const { publisher, name } = await resolvePublisher(dataSource, args);
    const source = await openFeedSource(args.source);
    let items = 0;
    let rejected = 0;
    const format =
      source.size !== null
        ? 'Importing [{bar}] {percentage}% | {read} of {size} | {items} offers, {rejected} rejected | {eta_formatted} left'
        : 'Importing | {read} read | {items} offers, {rejected} rejected';
    bar = new SingleBar({ format, hideCursor: true, etaBuffer: 100 }, Presets.shades_classic);
    bar.start(source.size ?? 0, 0, { read: megabytes(0), size: megabytes(source.size ?? 0), items, rejected });
    const started = Date.now();
    const report = await importFeed({
      source: source.stream,
      format: args.format,
      ingestion: new IngestionService(dataSource),
      publisher,
      batchSize: args.batchSize,
      sync: args.sync,
      force: args.force,
      dryRun: args.dryRun,
      onProgress: (bytes) => bar?.update(bytes, { read: megabytes(bytes) }),
      onBatch: (soFar) => {
        items = soFar.items;
        rejected = soFar.rejected;
        bar?.update({ items, rejected });
      },
    });
    bar.update({ items: report.items, rejected: report.rejected });
    bar.stop();
    printSummary(report, source.label, name, (Date.now() - started) / 1000, args.sync);
    return report.syntaxError ? 1 : report.syncRefused ? 3 : 0;
  } catch (err) {
    bar?.stop();
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    // A missing file, a refused URL, a feed of unknown format: the message says it all.
    const known = err instanceof FeedFormatError || (err instanceof Error && !process.env.DEBUG);
    console.error(known ? `Import failed: ${(err as Error).message}` : err);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error('Import failed:', err);
      process.exit(1);
    },
  );
}
