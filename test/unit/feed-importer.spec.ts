import type { Publisher } from '../../src/auth/viewer';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseImportArgs } from '../../src/cli/import';
import { SHIPPED_FRANCE_TRAVAIL_OFFERS } from '../../src/ingestion/feeds/france-travail.mapper';
import { FeedFormatError, importFeed, type ImportFeedOptions } from '../../src/ingestion/feeds/feed-importer';
import { openFeedSource } from '../../src/ingestion/feeds/feed-source';
import type {
  OfferIngestion,
  OfferInput,
  OfferUpsertResultModel,
  SyncWithdrawal,
  SyncWithdrawalOptions,
  UpsertOffersPayloadModel,
  WithdrawOffersResult,
} from '../../src/ingestion/ingestion.types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'feeds');
const fixture = (name: string): string => path.join(FIXTURES, name);
const PARTNER: Publisher = { kind: 'PARTNER', partnerId: 7 };

/**
 * Stands in for IngestionService, with one rule of its own to reject by (a location needs a postal
 * code, as the service says): stores offers by externalId, replays a batchId it has seen, and
 * records every call.
 */
class FakeIngestion implements OfferIngestion {
  readonly upserts: Array<{ publisher: Publisher; externalIds: string[]; batchId: string | null | undefined }> = [];
  readonly syncs: Array<{ publisher: Publisher; keep: string[] }> = [];
  readonly stored = new Map<string, string>();
  private readonly replies = new Map<string, UpsertOffersPayloadModel>();

  async previewOffers(publisher: Publisher, offers: OfferInput[]): Promise<UpsertOffersPayloadModel> {
    const stored = new Map(this.stored);
    const payload = await this.upsertOffers(publisher, offers);
    this.upserts.pop();
    this.stored.clear();
    for (const [k, v] of stored) this.stored.set(k, v);
    this.previews += offers.length;
    return payload;
  }

  previews = 0;

  async upsertOffers(publisher: Publisher, offers: OfferInput[], batchId?: string | null): Promise<UpsertOffersPayloadModel> {
    this.upserts.push({ publisher, externalIds: offers.map((o) => o.externalId), batchId });
    const replay = batchId ? this.replies.get(batchId) : undefined;
    if (replay) return replay;
    const results = offers.map((offer): OfferUpsertResultModel => {
      if (!offer.location.postalCode && !offer.location.communeCode) {
        return {
          externalId: offer.externalId,
          status: 'REJECTED',
          offerId: null,
          errors: [{ field: 'location.postalCode', code: 'REQUIRED', message: 'location needs a postalCode or an INSEE communeCode' }],
        };
      }
      const json = JSON.stringify(offer);
      const before = this.stored.get(offer.externalId);
      this.stored.set(offer.externalId, json);
      return {
        externalId: offer.externalId,
        status: before === undefined ? 'CREATED' : before === json ? 'UNCHANGED' : 'UPDATED',
        offerId: 1,
        errors: [],
      };
    });
    const count = (status: OfferUpsertResultModel['status']) => results.filter((r) => r.status === status).length;
    const payload = {
      created: count('CREATED'),
      updated: count('UPDATED'),
      unchanged: count('UNCHANGED'),
      rejected: count('REJECTED'),
      replayed: false,
      results,
    };
    if (batchId) this.replies.set(batchId, payload);
    return payload;
  }

  async withdrawOffers(): Promise<WithdrawOffersResult> {
    throw new Error('the importer never withdraws by list');
  }

  async withdrawAllExcept(publisher: Publisher, keep: ReadonlySet<string>, options: SyncWithdrawalOptions = {}): Promise<SyncWithdrawal> {
    this.syncs.push({ publisher, keep: [...keep].sort() });
    const absent = [...this.stored.keys()].filter((id) => !keep.has(id));
    const refused = options.guard?.({ active: this.stored.size, absent: absent.length }) ?? null;
    if (refused || options.dryRun) return { externalIds: absent, active: this.stored.size, refused, applied: false };
    for (const id of absent) this.stored.delete(id);
    return { externalIds: absent, active: this.stored.size + absent.length, refused: null, applied: true };
  }
}

const run = (ingestion: OfferIngestion, source: Readable, options: Partial<ImportFeedOptions> = {}) =>
  importFeed({ source, ingestion, publisher: PARTNER, ...options });

const file = (name: string, highWaterMark = 16 * 1024): Readable => fs.createReadStream(fixture(name), { highWaterMark });

describe('importFeed: the real cookorico feed', () => {
  it('sends every mappable job in batches, and explains every rejection', async () => {
    const ingestion = new FakeIngestion();
    const progress: number[] = [];
    const batches: number[] = [];
    const report = await run(ingestion, file('indeed-xml-cookorico-2016.xml'), {
      batchSize: 10,
      onProgress: (bytes) => progress.push(bytes),
      onBatch: (soFar) => batches.push(soFar.items),
    });

    // 99 jobs: the test posting and the internship are never sent, the 97 others go in batches of 10.
    expect(ingestion.upserts.map((u) => u.externalIds.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 7]);
    const sent = ingestion.upserts.flatMap((u) => u.externalIds);
    expect(sent).toHaveLength(97);
    expect(sent).not.toContain('1679');
    expect(sent).not.toContain('1637');
    expect(ingestion.upserts.every((u) => u.publisher === PARTNER)).toBe(true);

    expect(report).toMatchObject({
      format: 'indeed-xml',
      items: 99,
      // 45 of the 78 jobs without a postal code name a city only one commune bears: completed.
      created: 64,
      updated: 0,
      unchanged: 0,
      rejected: 35,
      withdrawn: 0,
      batches: 10,
    });
    expect(report.syntaxError).toBeUndefined();
    expect(report.rejectionCounts).toEqual({ 'title TEST_POSTING': 1, 'location.postalCode REQUIRED': 33, 'contractType UNMAPPABLE': 1 });
    expect(report.rejections).toHaveLength(35);
    expect(report.rejections[0]).toEqual({
      position: 'item 1 (line 5)',
      externalId: '1679',
      errors: [{ field: 'title', code: 'TEST_POSTING', message: 'title: "test" looks like a test posting; it is not published' }],
    });
    // Job 784 names only "Saint-Brevin-les-Pins": completed with its INSEE code, not rejected.
    expect(report.rejections.map((r) => r.externalId)).not.toContain('784');
    expect(report.rejections[1].errors).toEqual([expect.objectContaining({ field: 'location.postalCode', code: 'REQUIRED' })]);

    expect(progress[progress.length - 1]).toBe(fs.statSync(fixture('indeed-xml-cookorico-2016.xml')).size);
    expect(progress.length).toBeGreaterThan(5);
    expect(batches).toHaveLength(10);
  });

  it('sends no batchId: importing the same feed again is answered UNCHANGED by content, and restores withdrawn offers', async () => {
    const ingestion = new FakeIngestion();
    await run(ingestion, file('indeed-xml-cookorico-2016.xml'), { batchSize: 40 });
    expect(ingestion.upserts.every((u) => u.batchId === undefined || u.batchId === null)).toBe(true);
  });
});

describe('importFeed: --sync', () => {
  const jobs = (ids: string[]) =>
    `<source>${ids.map((id) => `<job><referencenumber>${id}</referencenumber><title>Cuisinier</title><description>Cuisine</description><jobtype>CDI</jobtype><postalcode>56100</postalcode><city>Lorient</city></job>`).join('\n')}\n</source>`;

  it('withdraws the offers absent from a feed read to its end', async () => {
    const ingestion = new FakeIngestion();
    await run(ingestion, Readable.from([jobs(['A', 'B', 'C'])]), { sync: true });
    expect(ingestion.syncs).toHaveLength(1);
    const report = await run(ingestion, Readable.from([jobs(['A', 'C'])]), { sync: true });
    expect(ingestion.syncs[1]).toEqual({ publisher: PARTNER, keep: ['A', 'C'] });
    expect(report).toMatchObject({ items: 2, unchanged: 2, withdrawn: 1 });
    expect([...ingestion.stored.keys()].sort()).toEqual(['A', 'C']);
  });

  it('keeps the offers the feed still lists even when they are rejected this time', async () => {
    const ingestion = new FakeIngestion();
    const feed = `<source>
      <job><referencenumber>A</referencenumber><title>Serveur</title><jobtype>Stage</jobtype></job>
      <job><referencenumber>B</referencenumber><title>Plongeur</title><jobtype>CDI</jobtype></job>
      <job><referencenumber>B</referencenumber><title>Plongeur bis</title><jobtype>CDI</jobtype><postalcode>56100</postalcode></job>
    </source>`;
    const report = await run(ingestion, Readable.from([feed]), { sync: true, force: true });
    expect(report).toMatchObject({ items: 3, created: 0, rejected: 3 });
    expect(report.rejections.map((r) => [r.externalId, r.errors.map((e) => `${e.field} ${e.code}`)])).toEqual([
      ['A', ['contractType UNMAPPABLE']],
      ['B', ['location.postalCode REQUIRED']], // the first B is the offer (the service rejects it)...
      ['B', ['externalId DUPLICATE']], // ...and the second is never sent
    ]);
    expect(ingestion.upserts.flatMap((u) => u.externalIds)).toEqual(['B']);
    expect(ingestion.syncs[0].keep).toEqual(['A', 'B']);
  });

  it('refuses to withdraw on the strength of a feed mostly rejected, unless forced', async () => {
    const ingestion = new FakeIngestion();
    await run(ingestion, Readable.from([jobs(['A', 'B', 'C', 'D'])]), { sync: true });
    // The next export lost its postal codes: all four rejected (the issue's Meteojob case).
    const broken = jobs(['A', 'B', 'C', 'D']).replaceAll('<postalcode>56100</postalcode><city>Lorient</city>', '');
    const refused = await run(ingestion, Readable.from([broken]), { sync: true });
    expect(refused).toMatchObject({ items: 4, rejected: 4, withdrawn: 0 });
    expect(refused.syncRefused).toMatch(/only 0 of the feed's 4 offers were accepted.*--force/);
    expect(ingestion.syncs).toHaveLength(1);
    expect([...ingestion.stored.keys()].sort()).toEqual(['A', 'B', 'C', 'D']);
    // Half accepted is enough: the other half is kept (listed), nothing withdrawn.
    const half =
      jobs(['A', 'B']).replace('</source>', '') +
      jobs(['C', 'D']).replace('<source>', '').replaceAll('<postalcode>56100</postalcode><city>Lorient</city>', '');
    expect((await run(ingestion, Readable.from([half]), { sync: true })).syncRefused).toBeUndefined();
  });

  it('refuses to withdraw most of a catalogue (over 10 offers) unless forced', async () => {
    const ingestion = new FakeIngestion();
    const ids = Array.from({ length: 30 }, (_, i) => `J${String(i).padStart(2, '0')}`);
    await run(ingestion, Readable.from([jobs(ids)]), { sync: true });
    const refused = await run(ingestion, Readable.from([jobs(ids.slice(0, 4))]), { sync: true });
    expect(refused.syncRefused).toMatch(/would withdraw 26 of the 30 active offers/);
    expect(refused.withdrawn).toBe(0);
    expect(ingestion.stored.size).toBe(30);
    // Losing 10 (a third) is a catalogue's life: done without --force.
    expect(await run(ingestion, Readable.from([jobs(ids.slice(0, 20))]), { sync: true })).toMatchObject({ withdrawn: 10 });
    const forced = await run(ingestion, Readable.from([jobs(ids.slice(0, 4))]), { sync: true, force: true });
    expect(forced).toMatchObject({ withdrawn: 16 });
    expect(forced.syncRefused).toBeUndefined();
    expect(ingestion.stored.size).toBe(4);
  });

  it('--dry-run writes nothing and says what would be created, updated and withdrawn', async () => {
    const ingestion = new FakeIngestion();
    await run(ingestion, Readable.from([jobs(['A', 'B', 'C'])]), { sync: true });
    const changed = jobs(['A', 'D']).replace('<title>Cuisinier</title>', '<title>Chef</title>');
    const report = await run(ingestion, Readable.from([changed]), { sync: true, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, items: 2, created: 1, updated: 1, withdrawn: 2, withdrawnIds: ['B', 'C'] });
    expect(ingestion.upserts).toHaveLength(1); // the first, real import only
    expect([...ingestion.stored.keys()].sort()).toEqual(['A', 'B', 'C']);
  });

  it('withdraws nothing after a syntax error, but imports the jobs read before it', async () => {
    const ingestion = new FakeIngestion();
    await run(ingestion, Readable.from([jobs(['A', 'B', 'C'])]), { sync: true });
    const truncated = jobs(['A', 'B', 'C']).slice(0, jobs(['A', 'B', 'C']).indexOf('<job><referencenumber>C'));
    const report = await run(ingestion, Readable.from([truncated]), { sync: true });
    expect(report.syntaxError).toEqual({ line: 3, column: expect.any(Number), message: 'malformed XML: Unclosed root tag' });
    expect(report).toMatchObject({ items: 2, unchanged: 2, withdrawn: 0 });
    expect(ingestion.syncs).toHaveLength(1); // only the first, complete run
    expect([...ingestion.stored.keys()].sort()).toEqual(['A', 'B', 'C']);
  });

  it('withdraws nothing after truncated JSON either', async () => {
    const ingestion = new FakeIngestion();
    const text = fs.readFileSync(fixture('france-travail-resultats.json'), 'utf8');
    const report = await run(ingestion, Readable.from([text.slice(0, text.lastIndexOf('"id"'))]), { sync: true });
    expect(report.syntaxError?.message).toMatch(/truncated/);
    expect(report.items).toBe(2);
    expect(ingestion.upserts.flatMap((u) => u.externalIds)).toEqual(['1250798', '1218075']);
    expect(ingestion.syncs).toHaveLength(0);
  });
});

describe('importFeed: formats and sources', () => {
  it('imports the shipped France Travail offers, gzipped, detecting both', async () => {
    const ingestion = new FakeIngestion();
    const report = await run(ingestion, fs.createReadStream(SHIPPED_FRANCE_TRAVAIL_OFFERS));
    expect(report).toMatchObject({ format: 'france-travail', items: 1593, created: 1540, rejected: 53, batches: 2 });
    expect(ingestion.upserts.map((u) => u.externalIds.length)).toEqual([1000, 593]);
    expect(report.rejections).toHaveLength(53);
    expect(report.rejectionCounts).toEqual({ 'location.postalCode REQUIRED': 53 });
  });

  it('rejects the second copy of a posting listed twice (the Zonos JSON-LD)', async () => {
    const ingestion = new FakeIngestion();
    const report = await run(ingestion, file('jobposting-jsonld-zonos-2026.json', 512));
    expect(report).toMatchObject({ format: 'jsonld', items: 4, rejected: 4 });
    expect(report.rejections.map((r) => [r.position, r.errors[0].code])).toEqual([
      ['item 1 (line 2)', 'REQUIRED'], // "Remote": no postal code, the service says so
      ['item 2 (line 23)', 'REQUIRED'],
      ['item 3 (line 44)', 'DUPLICATE'],
      ['item 4 (line 65)', 'DUPLICATE'],
    ]);
    expect(ingestion.upserts.flatMap((u) => u.externalIds)).toHaveLength(2);
  });

  it('takes --format over detection, and says when it cannot tell the format', async () => {
    const report = await run(new FakeIngestion(), file('indeed-xml-cookorico-2016.xml'), { format: 'jsonld' });
    expect(report.syntaxError).toMatchObject({ line: 1, column: 1 });
    await expect(run(new FakeIngestion(), Readable.from(['id;title\n1;Cuisinier\n']))).rejects.toThrow(FeedFormatError);
  });

  it('refuses a batch size out of bounds', async () => {
    await expect(run(new FakeIngestion(), Readable.from(['[]']), { batchSize: 1001 })).rejects.toThrow(RangeError);
    await expect(run(new FakeIngestion(), Readable.from(['[]']), { batchSize: 0 })).rejects.toThrow(RangeError);
  });

  it('streams an http(s) URL and refuses other schemes', async () => {
    const body = fs.readFileSync(fixture('jsonld-graph.json'));
    const fakeFetch = (async (url: Parameters<typeof fetch>[0]) =>
      String(url).endsWith('/missing')
        ? new Response('nope', { status: 404, statusText: 'Not Found' })
        : new Response(body, { headers: { 'content-length': String(body.length) } })) as typeof fetch;
    const source = await openFeedSource('https://board.example/jobs.json', fakeFetch);
    expect(source.size).toBe(body.length);
    const report = await run(new FakeIngestion(), source.stream);
    expect(report).toMatchObject({ format: 'jsonld', items: 1, created: 1 });
    await expect(openFeedSource('https://board.example/missing', fakeFetch)).rejects.toThrow('HTTP 404 Not Found');
    await expect(openFeedSource('ftp://board.example/jobs.xml', fakeFetch)).rejects.toThrow('only http and https');
    await expect(openFeedSource(fixture('no-such-feed.xml'))).rejects.toThrow('no such file');
  });
});

describe('parseImportArgs', () => {
  it('reads the options', () => {
    expect(parseImportArgs(['--partner', 'cookorico', '--sync', '--format', 'indeed-xml', '--batch-size', '200', 'feed.xml'])).toEqual({
      partner: 'cookorico',
      agency: false,
      sync: true,
      force: false,
      dryRun: false,
      format: 'indeed-xml',
      batchSize: 200,
      source: 'feed.xml',
    });
    expect(parseImportArgs(['--partner', 'm', '--sync', '--force', '--dry-run', 'f'])).toMatchObject({
      sync: true,
      force: true,
      dryRun: true,
    });
    expect(parseImportArgs(['--agency', 'https://x.example/feed.json'])).toMatchObject({ agency: true, partner: null, batchSize: 1000 });
    expect(parseImportArgs(['--help'])).toBe('help');
  });

  it.each([
    [['feed.xml'], /--partner <code> or --agency/],
    [['--partner', 'a', '--agency', 'feed.xml'], /one of them/],
    [['--partner', 'a'], /which feed/],
    [['--partner', 'a', '--format', 'csv', 'f'], /--format must be one of/],
    [['--partner', 'a', '--batch-size', '5000', 'f'], /--batch-size must be an integer from 1 to 1000/],
    [['--partner', 'a', 'f', 'g'], /one feed at a time/],
    [['--partner', '--sync', 'f'], /--partner needs a value/],
    [['--partner', 'a', '--dry-mn', 'f'], /unknown option --dry-mn/],
    [['--partner', 'a', '--force', 'f'], /--force only applies to --sync/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseImportArgs(argv)).toThrow(message);
  });
});

describe('importFeed --sync on an empty feed', () => {
  it('withdraws nothing and says why', async () => {
    const withdrawCalls: unknown[] = [];
    const ingestion = {
      upsertOffers: async () => ({ created: 0, updated: 0, unchanged: 0, rejected: 0, replayed: false, results: [] }),
      previewOffers: async () => ({ created: 0, updated: 0, unchanged: 0, rejected: 0, replayed: false, results: [] }),
      withdrawOffers: async () => ({ withdrawn: [], notFound: [] }),
      withdrawAllExcept: async (...args: unknown[]) => {
        withdrawCalls.push(args);
        return { externalIds: ['would-be-withdrawn'], active: 1, refused: null, applied: true };
      },
    };
    const report = await importFeed({
      source: Readable.from([Buffer.from('<?xml version="1.0"?><source></source>')]),
      ingestion,
      publisher: { kind: 'PARTNER', partnerId: 1 },
      sync: true,
    });
    expect(report.items).toBe(0);
    expect(report.withdrawn).toBe(0);
    expect(report.syncSkipped).toMatch(/no offer/);
    expect(withdrawCalls).toEqual([]);
  });
});
