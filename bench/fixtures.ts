import type { DataSource } from 'typeorm';
import { toDbDateTime } from '../src/db/sql';
import { toGlobalId } from '../src/lib/ids';
import { encodeCursor } from '../src/lib/cursor';
import { tokenizeKeywords } from '../src/offers/offer-filter';
import { prng } from '../src/lib/prng';

/** Page of the broad query that scenario (d) reaches by cursor (page 1 is d0). */
export const DEEP_PAGE = 5_000;
const PAGE_SIZE = 20;

/** Job words common in French offer titles; the first 20 that match a public offer are used. */
const KEYWORD_CANDIDATES = [
  'vendeur',
  'infirmier',
  'cuisinier',
  'comptable',
  'développeur',
  'chauffeur',
  'aide soignant',
  'serveur',
  'électricien',
  'magasinier',
  'cariste',
  'commercial',
  'technicien',
  'ingénieur',
  'assistant',
  'préparateur',
  'mécanicien',
  'éducateur',
  'secrétaire',
  'manutentionnaire',
  'conducteur',
  'plombier',
  'boulanger',
  'coiffeur',
  'agent entretien',
  'maçon',
  'auxiliaire',
  'livreur',
];
const KEYWORD_COUNT = 20;
/** Queries (c, cold) draws (coldKeywordQuerySources): more than a warm-up and a window send. */
const COLD_KEYWORD_DRAWS = 20_000;

/** One of the 20 real offers the reference server answers with, shaped like the GraphQL result. */
export interface ReferenceOffer {
  id: string;
  title: string;
  publishedAt: string;
  location: { city: string | null };
  partner: { name: string };
}

/** Values read in the benchmark database that the scenarios vary over, and what they must answer. */
export interface BenchFixtures {
  /** The 30 departments with the most public offers. */
  departmentCodes: string[];
  /** The 3 most common contract types among public offers. */
  contractTypes: string[];
  keywords: string[];
  /** (c, cold)'s queries: each new to the hub (none of `keywords`, none the same once tokenized). */
  coldKeywords: string[];
  /** The first this many of coldKeywords were drawn from titles, the rest from descriptions. */
  coldKeywordsFromTitles: number;
  publicOffers: number;
  deepPage: number;
  /** Cursor of the last row of page DEEP_PAGE - 1 (row 99,979 counting from 0). */
  deepCursor: string;
  deepPageFirstId: string;
  firstPageFirstId: string;
  referenceOffers: ReferenceOffer[];
}

/** The hub's public visibility (offer-search.sql.ts), restated so the fixtures count the same rows. */
const PUBLIC = `o.status = 'ACTIVE' AND (o.valid_through IS NULL OR o.valid_through > ?) AND (o.partner_id IS NULL OR o.partner_id NOT IN (SELECT p.id FROM partner p WHERE p.status = 'SUSPENDED'))`;

/** What (a) and the reference need: the commonest filters, the public stock, the reference's offers. */
export type PageFixtures = Pick<BenchFixtures, 'departmentCodes' | 'contractTypes' | 'publicOffers' | 'referenceOffers'>;

/**
 * The page scenario's fixtures (bench:read needs no more): one scan gives the total, the departments
 * and the contract types; the reference serves the 20 newest partner offers.
 */
export async function loadPageFixtures(dataSource: DataSource): Promise<PageFixtures> {
  const now = toDbDateTime(new Date());
  const pairs: Array<{ department: string | null; contract: string; n: number }> = await dataSource.query(
    `SELECT o.department_code AS department, o.contract_type AS contract, COUNT(*) AS n FROM offer o WHERE ${PUBLIC} GROUP BY o.department_code, o.contract_type`,
    [now],
  );
  const tally = (key: (p: (typeof pairs)[number]) => string | null) => {
    const totals = new Map<string, number>();
    for (const p of pairs) {
      const k = key(p);
      if (k !== null) totals.set(k, (totals.get(k) ?? 0) + Number(p.n));
    }
    return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  };
  // The 20 newest partner offers, their partner read apart (a join here makes MariaDB start from partner).
  const referenceRows: Array<{ id: number; title: string; published_at: Date; city: string | null; partner_id: number }> =
    await dataSource.query(
      `SELECT o.id, o.title, o.published_at, o.city, o.partner_id FROM offer o WHERE ${PUBLIC} AND o.partner_id IS NOT NULL ORDER BY o.published_at DESC, o.id DESC LIMIT 20`,
      [now],
    );
  const partners: Array<{ id: number; name: string }> = await dataSource.query(
    `SELECT id, name FROM partner WHERE id IN (${referenceRows.map(() => '?').join(', ')})`,
    referenceRows.map((r) => r.partner_id),
  );
  const partnerName = new Map(partners.map((p) => [Number(p.id), p.name]));
  return {
    departmentCodes: tally((p) => p.department).slice(0, 30),
    contractTypes: tally((p) => p.contract).slice(0, 3),
    publicOffers: pairs.reduce((sum, p) => sum + Number(p.n), 0),
    referenceOffers: referenceRows.map((r) => ({
      id: toGlobalId('Offer', Number(r.id)),
      title: r.title,
      publishedAt: r.published_at.toISOString(),
      location: { city: r.city },
      partner: { name: partnerName.get(Number(r.partner_id)) ?? '' },
    })),
  };
}

/** Reads the fixtures from the seeded database (about a minute: a few scans of the public offers). */
export async function loadFixtures(dataSource: DataSource, log: (line: string) => void): Promise<BenchFixtures> {
  const now = toDbDateTime(new Date());
  const page = await loadPageFixtures(dataSource);

  const keywords: string[] = [];
  for (const candidate of KEYWORD_CANDIDATES) {
    if (keywords.length === KEYWORD_COUNT) break;
    // Existence only, as the hub matches: every word, as a prefix of an index term (offer_term).
    const words = tokenizeKeywords(candidate);
    const found = await dataSource.query(
      `SELECT o.id FROM offer_term t JOIN offer o ON o.id = t.offer_id WHERE ${PUBLIC} AND t.term LIKE ? AND ${words
        .slice(1)
        .map(
          () => 'EXISTS (SELECT 1 FROM offer_term w WHERE w.offer_id = t.offer_id AND w.published_at = t.published_at AND w.term LIKE ?)',
        )
        .concat('1 = 1')
        .join(' AND ')} LIMIT 1`,
      [now, ...words.map((w) => `${w}%`)],
    );
    if (found.length) keywords.push(candidate);
    else log(`  keyword "${candidate}" matches no public offer: left out`);
  }

  if (keywords.length === 0) {
    throw new Error(
      `Keyword search finds none of the ${KEYWORD_CANDIDATES.length} job words among public offers ` +
        `(offer_term has no term LIKE 'vendeur%' and the like for a public offer), although titles hold them: ` +
        'the keyword index (offer_term) is missing, empty or broken (npm run search:index -- --rebuild). Scenario (c) cannot be measured.',
    );
  }

  // (c, cold): as many distinct queries as the titles give (~5,000 at 1,000,000 offers), so that a
  // warm-up and a window at a few hundred requests a second send none twice. Distinct as the hub
  // keys its match lists (the tokens), and none of (c)'s popular words, whose lists (c) cached.
  const seen = new Set(keywords.map((k) => JSON.stringify(tokenizeKeywords(k))));
  const drawn = await coldKeywordQuerySources(dataSource, COLD_KEYWORD_DRAWS);
  const fromTitles = new Set([...drawn.kinds.keys()].slice(0, drawn.fromTitles));
  const coldKeywords = [...drawn.kinds.keys()].filter((q) => {
    const key = JSON.stringify(tokenizeKeywords(q));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const coldKeywordsFromTitles = coldKeywords.filter((q) => fromTitles.has(q)).length;

  return { ...page, keywords, coldKeywords, coldKeywordsFromTitles, ...(await loadDeepPageFixtures(dataSource)) };
}

/** What (d0) and (d) need: page 1's first offer, and the cursor of page DEEP_PAGE with its first offer. */
export async function loadDeepPageFixtures(
  dataSource: DataSource,
): Promise<Pick<BenchFixtures, 'deepPage' | 'deepCursor' | 'deepPageFirstId' | 'firstPageFirstId'>> {
  const now = toDbDateTime(new Date());
  const byRecency = `FROM offer o WHERE ${PUBLIC} ORDER BY o.published_at DESC, o.id DESC`;
  const deepOffset = (DEEP_PAGE - 1) * PAGE_SIZE - 1;
  const deepRows: Array<{ id: number; published_at: Date }> = await dataSource.query(
    `SELECT o.id, o.published_at ${byRecency} LIMIT 2 OFFSET ${deepOffset}`,
    [now],
  );
  if (deepRows.length < 2) throw new Error(`The benchmark database has fewer than ${deepOffset + 2} public offers`);
  const [firstRow] = await dataSource.query(`SELECT o.id ${byRecency} LIMIT 1`, [now]);
  return {
    deepPage: DEEP_PAGE,
    deepCursor: encodeCursor({ sort: 'PUBLISHED_DESC', key: deepRows[0].published_at.getTime(), id: Number(deepRows[0].id) }),
    deepPageFirstId: toGlobalId('Offer', Number(deepRows[1].id)),
    firstPageFirstId: toGlobalId('Offer', Number(firstRow.id)),
  };
}

/** How a (c, cold) query was drawn: one whole word, two adjacent words, or a word's prefix (of a title, then of a description). */
export type ColdQueryKind = 'word' | 'two words' | 'prefix';

/**
 * Keyword queries for searches new to the hub, all different, drawn (seeded, the same each run)
 * from the words of the public offers' titles (job words): half one whole word, a quarter two
 * adjacent words of one title (`aide soignant`), a quarter a word's prefix (its first letters, 4 at
 * least: `electrici`). Words under 4 letters are left out. When the titles run out, the rest is
 * drawn the same way from the descriptions. At most `count`, each with how it was drawn (the first
 * way, if twice).
 */
export async function coldKeywordQueryKinds(dataSource: DataSource, count: number): Promise<Map<string, ColdQueryKind>> {
  return (await coldKeywordQuerySources(dataSource, count)).kinds;
}

/** coldKeywordQueryKinds, and how many of its queries (the first ones) were drawn from titles. */
export async function coldKeywordQuerySources(
  dataSource: DataSource,
  count: number,
): Promise<{ kinds: Map<string, ColdQueryKind>; fromTitles: number }> {
  const titles: Array<{ title: string }> = await dataSource.query("SELECT DISTINCT title FROM offer WHERE status = 'ACTIVE'");
  const wordsOf = (text: string) => tokenizeKeywords(text).filter((w) => w.length >= 4 && !/^\d+$/.test(w));
  const queries = drawColdQueries(
    titles.map((t) => wordsOf(t.title)).filter((w) => w.length),
    count,
  );
  const fromTitles = queries.size;
  if (queries.size < count) {
    // The titles ran out (4,937 queries at 1 M offers, fewer than a warm-up and a window take at
    // 500-700 searches a second): then words, adjacent pairs and prefixes of the descriptions.
    const descriptions: Array<{ description: string }> = await dataSource.query(
      "SELECT DISTINCT description FROM offer WHERE status = 'ACTIVE'",
    );
    const more = drawColdQueries(
      descriptions.map((d) => wordsOf(d.description)).filter((w) => w.length),
      count - queries.size,
      new Set(queries.keys()),
    );
    for (const [query, kind] of more) queries.set(query, kind);
  }
  return { kinds: queries, fromTitles };
}

/** Queries drawn from `texts` (each a list of words) as coldKeywordQueryKinds says, none in `taken`. */
function drawColdQueries(texts: string[][], count: number, taken: ReadonlySet<string> = new Set()): Map<string, ColdQueryKind> {
  const words = [...new Set(texts.flat())].sort();
  const rand = prng(20261205);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const queries = new Map<string, ColdQueryKind>();
  const add = (query: string, kind: ColdQueryKind) => {
    if (!queries.has(query) && !taken.has(query)) queries.set(query, kind);
  };
  for (let attempts = 0; queries.size < count && attempts < count * 20; attempts++) {
    const kind = rand();
    if (kind < 0.5) add(pick(words), 'word');
    else if (kind < 0.75) {
      const text = pick(texts);
      if (text.length >= 2) {
        const i = Math.floor(rand() * (text.length - 1));
        add(`${text[i]} ${text[i + 1]}`, 'two words');
      }
    } else {
      const word = pick(words);
      if (word.length >= 6) add(word.slice(0, Math.max(4, word.length - 1 - Math.floor(rand() * 3))), 'prefix');
    }
  }
  return queries;
}
