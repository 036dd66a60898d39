import type { PartnerEntity } from '../../entities';
import { buildOfferQuery } from '../../src/offers/offer-filter';
import { cursorOf, OfferSearchService } from '../../src/offers/offer-search.service';
import { createOffer, createPartner } from '../factories';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const SEARCH = `query($filter: OfferFilter, $first: Int, $after: String) {
  offers(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { externalId } } pageInfo { hasNextPage endCursor } } }`;

/**
 * What keyword search matches and in which order, the same on both engines: SQLite's FTS5 and
 * MariaDB's term index (offer_term, walked in page order by OfferSearchSql.termPage). Each test
 * uses words no other test (nor the demo data) holds.
 */
describe.each(engines())('keyword matching on %s', (engine) => {
  let t: TestHub;
  let suspended: PartnerEntity;
  const base = Date.parse('2026-06-01T12:00:00Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  beforeAll(async () => {
    t = await startTestHub(engine, 'keyword_matching', { clock: () => at(10_000) });
    const ds = t.dataSource;
    suspended = await createPartner(ds, { status: 'SUSPENDED' });
    const offers: Array<Parameters<typeof createOffer>[1]> = [
      // Folding and prefixes.
      { externalId: 'acc-1', title: 'ÉLECTRICIEN BÂTIMENT', description: 'Chantiers.', publishedAt: at(1) },
      { externalId: 'acc-2', title: 'Électricienne', description: 'Maintenance.', publishedAt: at(2) },
      { externalId: 'acc-3', title: 'Technicien', description: "Habilitation d'électricité requise.", publishedAt: at(3) },
      // Several words, in the title or the description.
      { externalId: 'mw-1', title: 'Aide-soignante de nuit', description: 'EHPAD.', publishedAt: at(4) },
      { externalId: 'mw-2', title: 'Soignant', description: 'Vous apportez votre aide aux résidents.', publishedAt: at(5) },
      { externalId: 'mw-3', title: 'Aide à domicile', description: 'Ménage, courses.', publishedAt: at(6) },
      // Public offers only.
      { externalId: 'pub-ok', title: 'Ostréiculteur', publishedAt: at(7) },
      { externalId: 'pub-withdrawn', title: 'Ostréiculteur', status: 'WITHDRAWN', publishedAt: at(8) },
      { externalId: 'pub-expired', title: 'Ostréiculteur', validThrough: at(9_000), publishedAt: at(9) },
      { externalId: 'pub-suspended', title: 'Ostréiculteur', partner: suspended, publishedAt: at(10) },
    ];
    // Page order across several terms of one prefix (one walk per term, merged), with date ties.
    const forms = ['mytiliculteur', 'mytiliculteurs', 'mytilicultrice', 'mytiliculture'];
    for (let i = 0; i < 16; i++) {
      offers.push({
        externalId: `ord-${String(i).padStart(2, '0')}`,
        title: forms[i % forms.length],
        publishedAt: at(20 + Math.floor(i / 3)),
      });
    }
    // A prefix of more terms than a page walk takes (MAX_TERM_EXPANSIONS, 128): read every match instead.
    for (let i = 0; i < 130; i++) offers.push({ externalId: `many-${i}`, title: `zythum${i}x`, publishedAt: at(100 + (i % 7)) });
    // Two words that seldom meet (a multi-word page walked in several rounds of dates:
    // termRoundRows), with date ties within a word and across words, plurals, and a word of more
    // terms than are looked up one by one (gnou0x..gnou9x: checked in the offer's term list).
    for (let i = 0; i < 24; i++) {
      offers.push({ externalId: `okapi-${i}`, title: 'Soigneur okapi', publishedAt: at(1_000 + i * 100) });
      offers.push({ externalId: `zebu-${i}`, title: 'Soigneur zébu', publishedAt: at(1_000 + i * 100) });
    }
    offers.push(
      { externalId: 'pair-0', title: 'Okapi', description: 'Les zébus du parc.', publishedAt: at(1_050) },
      // (pair-1 and pair-3 hold two terms of one word: each listed once.)
      { externalId: 'pair-1', title: 'Zébu, zébus et okapi', publishedAt: at(1_650) },
      { externalId: 'pair-2', title: 'Okapis et zébus', publishedAt: at(1_650) },
      { externalId: 'pair-3', title: 'Okapi, okapis, zébu', publishedAt: at(3_250) },
      { externalId: 'pair-4', title: 'ZÉBU OKAPI', publishedAt: at(3_390) },
      { externalId: 'pair-withdrawn', title: 'Okapi zébu', status: 'WITHDRAWN', publishedAt: at(3_395) },
      { externalId: 'pair-suspended', title: 'Okapi zébu', partner: suspended, publishedAt: at(3_400) },
      { externalId: 'pair-expired', title: 'Okapi zébu', validThrough: at(9_000), publishedAt: at(3_300) },
      { externalId: 'pair-expired-2', title: 'Okapi zébu', validThrough: at(9_000), publishedAt: at(1_600) },
    );
    for (let i = 0; i < 40; i++) offers.push({ externalId: `gnou-${i}`, title: `Gnou${i % 10}x`, publishedAt: at(1_000 + i * 50) });
    offers.push(
      { externalId: 'ibex-0', title: 'Ibex', publishedAt: at(1_010) },
      { externalId: 'ibex-1', title: 'Ibex et gnou7x', publishedAt: at(1_110) },
      { externalId: 'ibex-2', title: 'Ibex', description: 'Gnou3x.', publishedAt: at(2_010) },
      { externalId: 'ibex-3', title: 'Ibex', publishedAt: at(2_110) },
    );
    for (const offer of offers) await createOffer(ds, offer);
    await t.hub.services.keywordIndex.indexPending();
  });
  afterAll(() => t?.close());

  async function search(filter: Record<string, unknown>, first = 50, after: string | null = null) {
    const res = await t.gql(SEARCH, { filter, first, after });
    expectNoErrors(res);
    return res.data.offers as {
      totalCount: number;
      edges: Array<{ node: { externalId: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }
  const ids = async (keywords: string, extra: Record<string, unknown> = {}) => {
    const page = await search({ keywords, ...extra });
    expect(page.totalCount).toBe(page.edges.length);
    return page.edges.map((e) => e.node.externalId);
  };

  it('folds case and accents both ways, and matches words as prefixes (one way only)', async () => {
    expect(await ids('électricien')).toEqual(['acc-2', 'acc-1']);
    expect(await ids('ELECTRICIEN')).toEqual(['acc-2', 'acc-1']);
    expect(await ids('Electric')).toEqual(['acc-3', 'acc-2', 'acc-1']);
    expect(await ids('électriciennes')).toEqual([]);
    expect(await ids('lectricien')).toEqual([]); // a prefix of the word, not a part of it
  });

  it('requires every word, wherever it is (title or description), in any order', async () => {
    expect(await ids('aide soignant')).toEqual(['mw-2', 'mw-1']);
    expect(await ids('SOIGNANT aide')).toEqual(['mw-2', 'mw-1']);
    expect(await ids('aide')).toEqual(['mw-3', 'mw-2', 'mw-1']);
    expect(await ids('aide soignant domicile')).toEqual([]);
    expect(await ids('soign soignante')).toEqual(['mw-1']); // a word another one starts with adds nothing
  });

  it('finds public offers only: not withdrawn, expired or from a suspended partner', async () => {
    expect(await ids('ostreiculteur')).toEqual(['pub-ok']);
  });

  it('orders by publication date, newest first (ties by id), across every term of a prefix, page after page', async () => {
    const all = await ids('mytilicult');
    expect(all).toHaveLength(16);
    const expected = [...all].sort((a, b) => {
      const [x, y] = [Number(a.slice(4)), Number(b.slice(4))];
      return Math.floor(y / 3) - Math.floor(x / 3) || y - x; // ids grow with the offer number
    });
    expect(all).toEqual(expected);
    const walked: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await search({ keywords: 'mytilicult' }, 5, after);
      walked.push(...page.edges.map((e) => e.node.externalId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(expected);
    expect(await ids('mytiliculteur')).toEqual(expected.filter((id) => Number(id.slice(4)) % 4 < 2));
  });

  it('the same pages without the match-list cache, from any cursor', async () => {
    const uncached = new OfferSearchService(t.dataSource, t.hub.services.keywordIndex, { keywordCacheSeconds: 0 });
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      // Pages shorter than each term's rows: every walk stops early, and must stop at the right rows.
      const query = buildOfferQuery({ filter: { keywords: 'mytilicult' }, first: 2, after });
      const page = await uncached.page(query, at(10_000));
      seen.push(...page.rows.map((o) => o.externalId));
      if (!page.hasNextPage) break;
      after = cursorOf(query, page.rows[page.rows.length - 1]);
    }
    expect(seen).toEqual(await ids('mytilicult'));
  });

  it('a search new to the hub walks its page only; asked again, its match list serves the later pages (cursors, suspended partners)', async () => {
    const service = new OfferSearchService(t.dataSource, t.hub.services.keywordIndex);
    const uncached = new OfferSearchService(t.dataSource, t.hub.services.keywordIndex, { keywordCacheSeconds: 0 });
    const statements: string[] = [];
    const executor = (service as unknown as { executor: { all: (statement: { text: string }) => Promise<unknown[]> } }).executor;
    const all = executor.all.bind(executor);
    executor.all = (statement) => {
      statements.push(statement.text);
      return all(statement);
    };
    const walk = async (svc: OfferSearchService, keywords: string) => {
      const pages: string[][] = [];
      let after: string | null = null;
      for (let n = 0; n < 20; n++) {
        const query = buildOfferQuery({ filter: { keywords }, first: 3, after });
        const page = await svc.page(query, at(10_000));
        pages.push(page.rows.map((o) => o.externalId));
        if (!page.hasNextPage) break;
        after = cursorOf(query, page.rows[page.rows.length - 1]);
      }
      return pages;
    };
    for (const keywords of ['mytilicult', 'ostreiculteur', 'aide soign']) {
      statements.length = 0;
      const first = await walk(service, keywords);
      expect(first).toEqual(await walk(uncached, keywords));
      expect(first.flat()).not.toContain('pub-suspended');
      const again = await walk(service, keywords);
      expect(again).toEqual(first);
    }
    if (engine === 'mysql') {
      // Page 1 of a search new to this service walks its 4 rows (first + 1), no match list; the
      // walk's later pages, and the second walk, come from the list built when it came back.
      statements.length = 0;
      await walk(service, 'mytiliculteur');
      const walks = statements.filter((s) => s.includes('ORDER BY t.published_at DESC'));
      expect(walks.length).toBeGreaterThan(0);
      expect(walks[0]).toMatch(/LIMIT 4\)/);
      expect(walks.slice(1).every((s) => /LIMIT 101\)/.test(s))).toBe(true);
      statements.length = 0;
      expect((await walk(service, 'mytiliculteur')).flat()).toEqual(await ids('mytiliculteur'));
      expect(statements.some((s) => s.includes('offer_term'))).toBe(false);
    }
  });

  const PAIRS = ['pair-4', 'pair-3', 'pair-2', 'pair-1', 'pair-0'];
  // gnou-i published at minute 1,000 + 50 i; ibex-1 (gnou7x) at 1,110, ibex-2 (gnou3x) at 2,010.
  const GNOUS = [
    ...Array.from({ length: 40 }, (_, i) => ({ id: `gnou-${i}`, minute: 1_000 + i * 50 })),
    { id: 'ibex-1', minute: 1_110 },
    { id: 'ibex-2', minute: 2_010 },
  ]
    .sort((a, b) => b.minute - a.minute)
    .map((o) => o.id);

  it('several words: offers holding a term starting with each, newest first (ties by id), whichever word is rarer', async () => {
    expect(await ids('okapi zebu')).toEqual(PAIRS);
    expect(await ids('zébu okapi')).toEqual(PAIRS);
    expect(await ids('okap zeb')).toEqual(PAIRS);
    expect(await ids('okapis zebu')).toEqual(['pair-3', 'pair-2']);
    expect(await ids('okapi zebus')).toEqual(['pair-2', 'pair-1', 'pair-0']);
    expect(await ids('ibex gnou')).toEqual(['ibex-2', 'ibex-1']);
    expect(await ids('gnou7 ibex')).toEqual(['ibex-1']);
    expect(await ids('okapi zebu', { publishedSince: at(1_600).toISOString() })).toEqual(PAIRS.slice(0, 4));
  });

  it('several words, walked in rounds of dates: the same pages from any cursor, however small the rounds', async () => {
    const statements: string[] = [];
    // Each size of rounds, the other words checked by cost, row by row, and by window join.
    const settings = [1, 3, 1_000].flatMap((termRoundRows) =>
      (['cost', 'rows', 'window'] as const).map((termChecks) => ({ termRoundRows, termChecks })),
    );
    const services = settings.map(({ termRoundRows, termChecks }) => {
      const service = new OfferSearchService(t.dataSource, t.hub.services.keywordIndex, {
        keywordCacheSeconds: 0,
        termRoundRows,
        termChecks,
      });
      const executor = (service as unknown as { executor: { all: (statement: { text: string }) => Promise<unknown[]> } }).executor;
      const all = executor.all.bind(executor);
      executor.all = (statement) => {
        statements.push(statement.text);
        return all(statement);
      };
      return service;
    });
    const walk = async (service: OfferSearchService, keywords: string, first: number) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 50; pages++) {
        const query = buildOfferQuery({ filter: { keywords }, first, after });
        const page = await service.page(query, at(10_000));
        seen.push(...page.rows.map((o) => o.externalId));
        if (!page.hasNextPage) break;
        after = cursorOf(query, page.rows[page.rows.length - 1]);
      }
      return seen;
    };
    for (const [keywords, expected] of [
      ['okapi zebu', PAIRS],
      ['zebus okap', ['pair-2', 'pair-1', 'pair-0']],
      ['ibex gnou', ['ibex-2', 'ibex-1']],
      ['soigneur okapi', Array.from({ length: 24 }, (_, i) => `okapi-${23 - i}`)],
      // One word of ten terms: walked in rounds too.
      ['gnou', GNOUS],
    ] as const) {
      for (const [i, service] of services.entries()) {
        for (const first of [1, 2, 5, 50])
          expect([settings[i], first, await walk(service, keywords, first)]).toEqual([settings[i], first, expected]);
      }
    }
    if (engine === 'mysql') {
      const service = (termRoundRows: number, termChecks: string) =>
        services[settings.findIndex((s) => s.termRoundRows === termRoundRows && s.termChecks === termChecks)];
      // The smallest rounds walked the rare pair in several windows of dates, newest first.
      statements.length = 0;
      await service(1, 'rows').page(buildOfferQuery({ filter: { keywords: 'okapi zebu' }, first: 5 }), at(10_000));
      const rounds = statements.filter((s) => s.includes('ORDER BY t.published_at DESC'));
      const bounded = rounds.filter((s) => s.includes('t.published_at >= ?'));
      expect(bounded.length).toBeGreaterThan(1);
      expect(rounds.slice(0, bounded.length)).toEqual(bounded);
      expect(rounds[rounds.length - 1]).not.toContain('t.published_at >= ?');
      // Offers not public (a suspended partner's, expired ones) among a round's candidates: the
      // round is walked again, its hits checked in offer.
      expect(rounds.some((s) => s.includes('JOIN offer o FORCE INDEX (PRIMARY)'))).toBe(true);
      // The other word, of two terms (zebu, zebus) or one, is looked up term by term in the index;
      // gnou's ten terms are checked in the offer's term list.
      expect(rounds[0]).toMatch(/SELECT 1 FROM offer_term b WHERE b\.term = \?/);
      // By window join: the other word's rows within the round's dates, read once for the round.
      statements.length = 0;
      await service(1, 'window').page(buildOfferQuery({ filter: { keywords: 'okapi zebu' }, first: 5 }), at(10_000));
      const joined = statements.filter((s) => s.includes('ORDER BY t.published_at DESC'));
      expect(joined.length).toBeGreaterThan(1);
      for (const round of joined) expect(round).toMatch(/IN \(SELECT b\.published_at, b\.offer_id FROM offer_term b WHERE b\.term IN \(/);
      expect(joined[0]).toMatch(/b\.published_at >= \?/);
      statements.length = 0;
      await service(1_000, 'rows').page(buildOfferQuery({ filter: { keywords: 'gnou' }, first: 1 }), at(10_000));
      expect(statements.filter((s) => s.includes('t.published_at >= ?')).length).toBeGreaterThan(0);
      statements.length = 0;
      await service(1_000, 'rows').page(buildOfferQuery({ filter: { keywords: 'ibex gnou' }, first: 5 }), at(10_000));
      expect(statements.filter((s) => s.includes('ORDER BY t.published_at DESC')).every((s) => s.includes('JOIN offer_search s'))).toBe(
        true,
      );
    }
  });

  it('combines keywords with the other filters', async () => {
    expect(await ids('mytilicult', { publishedSince: at(24).toISOString() })).toEqual(['ord-15', 'ord-14', 'ord-13', 'ord-12']);
    expect(await ids('electric', { departmentCodes: ['75'] })).toEqual([]);
    expect(await ids('electric', { departmentCodes: ['74'] })).toEqual(['acc-3', 'acc-2', 'acc-1']);
  });

  it('a short prefix of many terms gives the same answer, read another way', async () => {
    const page = await search({ keywords: 'zythum' }, 100);
    expect(page.totalCount).toBe(130);
    const found = page.edges.map((e) => e.node.externalId);
    const day = (id: string) => Number(id.slice(5)) % 7;
    const all = Array.from({ length: 130 }, (_, i) => `many-${i}`);
    expect(found).toEqual(all.sort((a, b) => day(b) - day(a) || Number(b.slice(5)) - Number(a.slice(5))).slice(0, 100));
    expect(await ids('zythum1')).toHaveLength(41); // zythum1x, zythum10x..zythum19x, zythum100x..zythum129x: walked term by term
  });
});
