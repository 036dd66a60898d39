import { insertOffersIgnoringDuplicates } from '../../src/db/offer-bulk-writer';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../../src/ingestion/feeds/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../../src/seed/synthetic-offers';
import { buildOfferQuery } from '../../src/offers/offer-filter';
import { OfferSearchSql } from '../../src/offers/offer-search.sql';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';
import { dialectOf } from '../../src/db/dialect';
import type { Sql } from '../../src/db/sql';

/** The query plans of the main search: a selective filter must use an index, never scan the table. */
describe.each(engines())('query plans on %s', (engine) => {
  let t: TestHub;
  let sqlFor: OfferSearchSql;

  beforeAll(async () => {
    t = await startTestHub(engine, 'explain');
    sqlFor = new OfferSearchSql(dialectOf(t.dataSource));
    const now = new Date();
    const templates = loadShippedFranceTravailOffers()
      .slice(0, 200)
      .map((raw) => mapFranceTravailOffer(raw, now).row);
    const generator = createSyntheticOfferGenerator({ seed: 7, now, partnerCodes: [], templates });
    const rows = Array.from({ length: 6000 }, (_, i) => ({ partnerId: null, row: generator.next(i).row }));
    rows.forEach((r, i) => i % 4 && (r.row.status = 'EXPIRED')); // mostly history, like production
    await insertOffersIgnoringDuplicates(t.dataSource, rows);
    await t.dataSource.query(engine === 'mysql' ? 'ANALYZE TABLE offer' : 'ANALYZE');
  });
  afterAll(() => t?.close());

  /** MariaDB's EXPLAIN rows of a statement (SHOW_PLANS=1 prints them). */
  async function mariadbPlan(statement: Sql): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = await t.dataSource.query('EXPLAIN ' + statement.text, statement.params as unknown[]);
    if (process.env.SHOW_PLANS) console.log(JSON.stringify(rows, null, 1));
    return rows;
  }

  /** A round of `vendeur paris` walking vendeur's terms over a window of dates. */
  const VENDEUR_PARIS_ROUND = {
    words: ['vendeur', 'paris'],
    terms: [
      ['vendeur', 'vendeurs'],
      ['paris', 'parisien'],
    ],
    driver: 0,
    since: new Date('2001-01-01T00:00:00Z'),
    before: new Date('2100-01-01T00:00:00Z'),
  };

  async function plan(args: Parameters<typeof buildOfferQuery>[0]): Promise<string> {
    const statement = sqlFor.page(buildOfferQuery(args), new Date());
    const prefix = engine === 'mysql' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
    const rows: Array<Record<string, unknown>> = await t.dataSource.query(prefix + statement.text, statement.params as unknown[]);
    return JSON.stringify(rows);
  }

  function offerAccess(planText: string): Record<string, unknown> | string {
    if (engine === 'sqlite') {
      const details = (JSON.parse(planText) as Array<{ detail: string }>).map((r) => r.detail);
      return details.find((d) => / o\b| o USING|offer AS o/.test(d) || /^(SCAN|SEARCH) o/.test(d)) ?? details.join(' | ');
    }
    return (JSON.parse(planText) as Array<Record<string, unknown>>).find((r) => r.table === 'o') ?? {};
  }

  it.each([
    ['department + contract', { filter: { departmentCodes: ['74'], contractTypes: ['PERMANENT' as const] } }],
    ['ROME code', { filter: { romeCodes: ['M1607'] } }],
    ['region', { filter: { regionCodes: ['84'] } }],
    ['no filter (keyset on the date index)', {}],
  ])('%s uses an index', async (_name, args) => {
    const access = offerAccess(await plan(args));
    if (process.env.SHOW_PLANS) console.log(engine, JSON.stringify(access));
    if (engine === 'sqlite') {
      expect(access).toMatch(/^SEARCH o USING (COVERING )?INDEX ix_offer_|^SCAN o USING INDEX ix_offer_/);
    } else {
      const row = access as Record<string, unknown>;
      expect(row.type).not.toBe('ALL');
      expect(String(row.key)).toMatch(/^ix_offer_/);
    }
  });

  it('a deep page seeks to its cursor (a range from the cursor, not a scan from the top)', async () => {
    const rows: Array<{ published_at: unknown; id: number }> = await t.dataSource.query(
      "SELECT published_at, id FROM offer WHERE status = 'ACTIVE' ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET 1000",
    );
    const { fromDbDateTime } = await import('../../src/db/sql');
    const { encodeCursor } = await import('../../src/lib/cursor');
    const after = encodeCursor({ sort: 'PUBLISHED_DESC', key: fromDbDateTime(rows[0].published_at).getTime(), id: Number(rows[0].id) });
    for (const filter of [undefined, { departmentCodes: ['74'] }]) {
      const access = offerAccess(await plan({ filter, after }));
      if (engine === 'sqlite') expect(access).toMatch(/USING INDEX ix_offer_\w+ \(.*published_at<\?/);
      else expect((access as Record<string, unknown>).type).toBe('range');
    }
  });

  it('keywords: SQLite through FTS5; MariaDB walks the term index in page order (no sort of the matches), then each offer by primary key', async () => {
    if (engine === 'sqlite') {
      expect(await plan({ filter: { keywords: 'vendeur' } })).toMatch(/VIRTUAL TABLE INDEX/);
      return;
    }
    await t.hub.services.keywordIndex.indexPending();
    // publishedSince would tempt the optimizer to start from an offer index and sort every match.
    const query = buildOfferQuery({ filter: { keywords: 'vendeur', publishedSince: new Date('2000-01-01T00:00:00Z') } });
    const statement = sqlFor.termPage(query, { words: ['vendeur'], terms: [['vendeur', 'vendeurs']], driver: 0 }, new Date());
    const rows = await mariadbPlan(statement);
    const walks = rows.filter((r) => r.table === 't');
    expect(walks).toHaveLength(2);
    for (const walk of walks) {
      expect(walk).toMatchObject({ key: 'PRIMARY', type: 'ref' });
      expect(String(walk.Extra)).not.toMatch(/filesort|temporary/);
    }
    for (const offer of rows.filter((r) => r.table === 'o')) expect(offer).toMatchObject({ type: 'eq_ref', key: 'PRIMARY' });
  });

  it('keywords, several words (MariaDB): a round walks its window of dates in page order and looks the other word up by primary key', async () => {
    if (engine === 'sqlite') return;
    await t.hub.services.keywordIndex.indexPending();
    const query = buildOfferQuery({ filter: { keywords: 'vendeur paris', publishedSince: new Date('2000-01-01T00:00:00Z') } });
    const statement = sqlFor.termPage(query, { ...VENDEUR_PARIS_ROUND, lookups: [false, true] }, new Date());
    const rows = await mariadbPlan(statement);
    const walks = rows.filter((r) => r.table === 't');
    expect(walks).toHaveLength(2);
    for (const walk of walks) {
      expect(walk).toMatchObject({ key: 'PRIMARY', type: 'range' });
      expect(String(walk.Extra)).not.toMatch(/filesort|temporary/);
    }
    const lookups = rows.filter((r) => r.table === 'b');
    expect(lookups).toHaveLength(4); // each term of the other word, in each walk
    for (const lookup of lookups) expect(lookup).toMatchObject({ type: 'eq_ref', key: 'PRIMARY' });
    for (const offer of rows.filter((r) => r.table === 'o')) expect(offer).toMatchObject({ type: 'eq_ref', key: 'PRIMARY' });
  });

  it('keywords, several words by window join (MariaDB): each word read once over the round, by range of the primary key', async () => {
    if (engine === 'sqlite') return;
    await t.hub.services.keywordIndex.indexPending();
    const query = buildOfferQuery({ filter: { keywords: 'vendeur paris' } });
    const statement = sqlFor.termPage(query, { ...VENDEUR_PARIS_ROUND, windowJoins: [false, true], visibleAfter: true }, new Date());
    const rows = await mariadbPlan(statement);
    // One walk of the driver's terms (no branch per term), one read of the other word's.
    expect(rows.filter((r) => r.table === 't')).toEqual([expect.objectContaining({ key: 'PRIMARY', type: 'range' })]);
    const other = rows.filter((r) => r.table === 'b');
    expect(other).toEqual([expect.objectContaining({ key: 'PRIMARY', type: 'range' })]);
    expect(String(other[0].select_type)).toMatch(/MATERIALIZED/);
  });
});
