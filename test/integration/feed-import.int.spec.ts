import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { importFeed } from '../../src/ingestion/feeds/feed-importer';
import { openFeedSource } from '../../src/ingestion/feeds/feed-source';
import { SHIPPED_FRANCE_TRAVAIL_OFFERS } from '../../src/ingestion/feeds/france-travail.mapper';
import { createPartner } from '../factories';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'feeds');

/** Real feeds through the real ingestion service and database, as `npm run import` does. */
describe.each(engines())('feed import on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(engine, 'feedimport');
  });
  afterAll(() => t?.close());

  const run = async (partnerId: number, source: Readable, sync = false, more: { force?: boolean; dryRun?: boolean } = {}) =>
    importFeed({ source, ingestion: t.hub.services.ingestion, publisher: { kind: 'PARTNER', partnerId }, sync, ...more });
  const activeOf = async (partnerId: number) =>
    Number((await t.dataSource.query("SELECT COUNT(*) AS n FROM offer WHERE partner_id = ? AND status = 'ACTIVE'", [partnerId]))[0].n);

  it('imports the real Indeed XML feed, explaining every rejection, and a second run changes nothing', async () => {
    const partner = await createPartner(t.dataSource, { code: 'cookorico' });
    const first = await run(partner.id, fs.createReadStream(path.join(FIXTURES, 'indeed-xml-cookorico-2016.xml')));
    expect(first).toMatchObject({ format: 'indeed-xml', items: 99, created: 64, rejected: 35 });
    expect(first.rejections).toHaveLength(35);
    for (const r of first.rejections) expect(r.errors.length).toBeGreaterThan(0);
    expect(await activeOf(partner.id)).toBe(64);
    const second = await run(partner.id, fs.createReadStream(path.join(FIXTURES, 'indeed-xml-cookorico-2016.xml')));
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 64, rejected: 35 });
  });

  it('imports France Travail v2 JSON, and --sync withdraws what a later feed no longer lists', async () => {
    const partner = await createPartner(t.dataSource);
    const source = await openFeedSource(SHIPPED_FRANCE_TRAVAIL_OFFERS);
    const report = await run(partner.id, source.stream);
    expect(report).toMatchObject({ format: 'france-travail', items: 1593, created: 1540, rejected: 53 });
    expect(await activeOf(partner.id)).toBe(1540);

    // A later feed lists only the first two offers: --sync refuses to take the catalogue (exit 3 in
    // the CLI), --dry-run says what would go, and --force withdraws the rest.
    const all = JSON.parse(require('node:zlib').gunzipSync(fs.readFileSync(SHIPPED_FRANCE_TRAVAIL_OFFERS)).toString('utf8'));
    const later = () => Readable.from([Buffer.from(JSON.stringify(all.slice(0, 2)))]);
    const refused = await run(partner.id, later(), true);
    expect(refused).toMatchObject({
      items: 2,
      unchanged: 2,
      withdrawn: 0,
      syncRefused: expect.stringMatching(/withdraw 1538 of the 1540 active offers/),
    });
    expect(await activeOf(partner.id)).toBe(1540);
    const dry = await run(partner.id, later(), true, { force: true, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, unchanged: 2, withdrawn: 1538 });
    expect(await activeOf(partner.id)).toBe(1540);
    const forced = await run(partner.id, later(), true, { force: true });
    expect(forced).toMatchObject({ items: 2, unchanged: 2, withdrawn: 1538 });
    expect(await activeOf(partner.id)).toBe(2);
  });

  it('stops at a malformed line, keeps the items before it whole, and withdraws nothing', async () => {
    const partner = await createPartner(t.dataSource);
    const good = fs.readFileSync(path.join(FIXTURES, 'indeed-xml-cookorico-2016.xml'), 'utf8');
    await run(partner.id, Readable.from([Buffer.from(good)]));
    const before = await activeOf(partner.id);
    const cut = good.indexOf('<job>', good.indexOf('<job>', good.length / 2) + 1);
    const broken = good.slice(0, cut) + '<job><title>broken & unescaped</job>' + good.slice(cut);
    const report = await run(partner.id, Readable.from([Buffer.from(broken)]), true);
    expect(report.syntaxError?.line).toBeGreaterThan(1);
    expect(report.syntaxError?.message).toBeTruthy();
    expect(report.withdrawn).toBe(0);
    expect(await activeOf(partner.id)).toBe(before);
    const rows: Array<{ n: number }> = await t.dataSource.query(
      "SELECT COUNT(*) AS n FROM offer WHERE partner_id = ? AND title LIKE '%broken%'",
      [partner.id],
    );
    expect(Number(rows[0].n)).toBe(0);
  });

  it('imports JSON-LD and rejects jobs outside France with the reason', async () => {
    const partner = await createPartner(t.dataSource);
    const report = await run(partner.id, fs.createReadStream(path.join(FIXTURES, 'jobposting-jsonld-zonos-2026.json')));
    expect(report).toMatchObject({ format: 'jsonld', items: 4, created: 0, rejected: 4 });
    const xml = await run(partner.id, fs.createReadStream(path.join(FIXTURES, 'indeed-xml-zonos-2026.xml')));
    expect(xml.rejections.flatMap((r) => r.errors.map((e) => e.code))).toContain('UNSUPPORTED_COUNTRY');
  });

  it("--sync with a feed whose every item is rejected withdraws nothing (the issue's wiped catalogue), and the CLI exits 3", async () => {
    const partner = await createPartner(t.dataSource);
    await run(partner.id, fs.createReadStream(path.join(FIXTURES, 'indeed-xml-cookorico-2016.xml')));
    expect(await activeOf(partner.id)).toBe(64);
    const zonos = path.join(FIXTURES, 'jobposting-jsonld-zonos-2026.json');
    const report = await run(partner.id, fs.createReadStream(zonos), true);
    expect(report).toMatchObject({
      items: 4,
      rejected: 4,
      withdrawn: 0,
      syncRefused: expect.stringMatching(/only 0 of the feed's 4 offers were accepted/),
    });
    expect(await activeOf(partner.id)).toBe(64);

    const dry = await run(partner.id, fs.createReadStream(zonos), true, { force: true, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, withdrawn: 64 });
    expect(await activeOf(partner.id)).toBe(64);

    if (engine !== 'sqlite') return; // the CLI against the same database file: once is enough
    const cli = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/cli/import.ts', '--partner', partner.code, '--sync', zonos], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: `sqlite:${(t.dataSource.options as { database: string }).database}` },
      encoding: 'utf8',
    });
    expect(cli.stdout).toMatch(/--sync REFUSED: only 0 of the feed's 4 offers were accepted/);
    expect(cli.status).toBe(3);
    expect(await activeOf(partner.id)).toBe(64);
  });
});
