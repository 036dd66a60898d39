import type { DataSource } from 'typeorm';
import type { ContractType, OfferSource, OfferStatus, SalaryPeriod } from '../../entities';
import { fromDbBoolOrNull, fromDbDateTime, fromDbDateTimeOrNull, type Sql } from '../db/sql';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { StockCache } from './stock-cache';
import { DEFAULT_SERVICE_SETTINGS } from '../config';
import { encodeCursor, type CursorPosition } from '../lib/cursor';
import { currentCountVersion, currentSearchVersion } from '../db/offer-stock';
import type { OfferSearchIndexService } from './offer-search-index';
import { FACET_VALUE_LIMIT, GROUPED_FACET_DIMENSIONS, OfferSearchSql, type TermWalk } from './offer-search.sql';
import { constrainingWords } from '../lib/offer-terms';
import type { FacetCount, FacetDimension, OfferConnectionModel, OfferFilterSpec, OfferModel, OfferQuery } from './offer-search.types';
import { dialectOf } from '../db/dialect';
import { partnerDirectoryOf, type PartnerDirectory, type PartnerSnapshot } from '../partners/partner-directory';

type Row = Record<string, unknown>;

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Maps a row of OFFER_READ_COLUMNS (either engine) to the Offer model. A page that read only the columns
 * of the fields its operation shows (OfferQuery.fields) leaves the other fields undefined: they are
 * never resolved.
 */
export function offerFromRow(row: Row): OfferModel {
  return {
    id: Number(row.id),
    source: row.source as OfferSource,
    partnerId: numOrNull(row.partner_id),
    partnerKey: Number(row.partner_id ?? 0),
    externalId: row.external_id as string,
    title: row.title as string,
    description: row.description as string,
    romeCode: (row.rome_code as string | null) ?? null,
    employerName: (row.employer_name as string | null) ?? null,
    employerUrl: (row.employer_url as string | null) ?? null,
    locationLabel: (row.location_label as string | null) ?? null,
    communeCode: (row.commune_code as string | null) ?? null,
    postalCode: (row.postal_code as string | null) ?? null,
    city: (row.city as string | null) ?? null,
    departmentCode: (row.department_code as string | null) ?? null,
    regionCode: (row.region_code as string | null) ?? null,
    latitude: numOrNull(row.latitude),
    longitude: numOrNull(row.longitude),
    contractType: row.contract_type as ContractType,
    fullTime: fromDbBoolOrNull(row.full_time),
    salaryMin: numOrNull(row.salary_min),
    salaryMax: numOrNull(row.salary_max),
    salaryCurrency: (row.salary_currency as string | null) ?? null,
    salaryPeriod: (row.salary_period as SalaryPeriod | null) ?? null,
    salaryLabel: (row.salary_label as string | null) ?? null,
    salaryYearlyMin: numOrNull(row.salary_yearly_min),
    experienceLevel: (row.experience_level as string | null) ?? null,
    publishedAt: fromDbDateTime(row.published_at),
    updatedAt: row.updated_at === undefined ? (undefined as unknown as Date) : fromDbDateTime(row.updated_at),
    validThrough: fromDbDateTimeOrNull(row.valid_through),
    status: row.status as OfferStatus,
    applyUrl: (row.apply_url as string | null) ?? null,
    reservedForJobseekers: Boolean(Number(row.reserved_for_jobseekers)),
    contentHash: null,
    distanceKm: numOrNull(row.distance_km),
    sortKey: numOrNull(row.sort_key) ?? undefined,
  };
}

/** The first matches of a keyword search, in page order: ids and sort keys (16 bytes a match). */
interface KeywordMatches {
  ids: Float64Array;
  keys: Float64Array;
  /** Every match is here (else pages past them are read from the database). */
  complete: boolean;
}

/** Keyword searches whose match lists are kept at once (at most 1,000 x 16 KB). */
const KEYWORD_LISTS_KEPT = 1_000;

/** Matches of one keyword search kept in order (50 pages of 20); pages past them go to the database. */
export const KEYWORD_MATCH_LIMIT = 1_000;

/**
 * Matches of a keyword search kept when read from MariaDB's term index (5 pages of 20): walking
 * the index costs about what it reads, so a search new to the hub reads little more than its first
 * page; later pages walk it again from their cursor.
 */
export const TERM_MATCH_LIMIT = 100;

/**
 * Searches remembered as asked once (keys only) so that a repeat builds the match list: a search
 * walking the term index builds its list only when it comes back (keywordPage).
 */
const KEYWORD_SEARCHES_SEEN = 10_000;

/**
 * Words starting more index terms than this are matched by reading every match (termPageRows). A
 * walk of one branch per term stays cheap well past 32 terms (`contr`, 35 terms: 31 ms walked
 * against 458 ms reading every match; 1 M offers); two-word searches cost the same at 32 and 128
 * (bench, issue 18 (c, cold)).
 */
const MAX_TERM_EXPANSIONS = 128;

/**
 * The other words of a multi-word page are looked up term by term in the index when they start at
 * most this many terms (OfferSearchSql.termPage): a lookup costs ~1.5 µs, reading the offer's term
 * list about as much as this many.
 */
const LOOKUP_MAX_TERMS = 8;

/** Rows of the driving word a multi-word page's first round of dates is sized to hold (walkInRounds; `termRoundRows`). */
const FIRST_ROUND_ROWS = 500;

/** Pages' worth of rows (`first + 1` each) the first round of a one-word page of several terms is sized to hold. */
const ONE_WORD_ROUND_PAGES = 4;

/**
 * A one-word page is walked in rounds when its word starts at least this many terms: each term
 * walked to `first + 1` rows reads that many offers (~0.3 ms a term), more than the rounds' extra
 * statement costs.
 */
const ONE_WORD_ROUNDS_MIN_TERMS = 5;

/**
 * What checking one other word costs per driver row looked up term by term (~1.5 µs a term,
 * LOOKUP_MAX_TERMS of them for a word checked in the offer's term list), and what a window join
 * costs per row it reads, of the other word or of the driver (range read, materialized, probed:
 * ~0.5 µs), in the same unit: a round checks a word by window join when that reads less
 * (walkInRounds). `employe commercial`, 1 M offers: 15 ms by lookups, 1.8 ms by window join.
 */
const LOOKUP_COST = 3;
const WINDOW_JOIN_ROW_COST = 1;

/**
 * How a multi-word page checks its other words: by cost (default), or always by window join
 * (`window`) or never (`rows`): the last two for tests comparing the paths.
 */
export type TermChecks = 'cost' | 'window' | 'rows';

/** A word's estimated index rows published in [since, before), its estimate spread evenly over its dates. */
function rowsBetween(word: { newest: number; oldest: number; rows: number }, since: number, before: number): number {
  const span = Math.max(1, word.newest - word.oldest);
  const overlap = Math.max(0, Math.min(before, word.newest + 1) - Math.max(since, word.oldest));
  return (word.rows * overlap) / span;
}

/** Index of the first match after the cursor in the page order of `sort` (list length if none). */
function firstAfter(sort: OfferQuery['sort'], m: KeywordMatches, c: CursorPosition): number {
  const ascending = sort === 'DISTANCE';
  for (let i = 0; i < m.ids.length; i++) {
    const key = m.keys[i];
    const id = m.ids[i];
    const after = ascending ? key > c.key || (key === c.key && id > c.id) : key < c.key || (key === c.key && id < c.id);
    if (after) return i;
  }
  return m.ids.length;
}

/**
 * The public offer search: pages, counts and facets over ACTIVE offers, keyset-paginated.
 * Stateless; one per data source. Every method takes `now` so a request sees one instant.
 */
export class OfferSearchService {
  private readonly sqlFor: OfferSearchSql;
  private readonly executor: SqlExecutor;
  private readonly counts: StockCache;
  private readonly keywordMatches: StockCache;
  private readonly keywordMatchLimit: number;
  /** Keyword searches walked in the term index once, without a match list, and when (keywordPage). */
  private readonly searchesSeen = new Map<string, number>();
  private readonly keywordCacheMs: number;
  private readonly partners: PartnerDirectory;
  private readonly termRoundRows: number;
  private readonly termChecks: TermChecks;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keywordIndex: OfferSearchIndexService,
    opts: {
      countCacheSeconds?: number;
      keywordCacheSeconds?: number;
      keywordMatchLimit?: number;
      termRoundRows?: number;
      termChecks?: TermChecks;
    } = {},
  ) {
    this.sqlFor = new OfferSearchSql(dialectOf(dataSource));
    this.executor = createSqlExecutor(dataSource);
    this.counts = new StockCache((opts.countCacheSeconds ?? DEFAULT_SERVICE_SETTINGS.countCacheSeconds) * 1000);
    this.keywordCacheMs = (opts.keywordCacheSeconds ?? DEFAULT_SERVICE_SETTINGS.keywordCacheSeconds) * 1000;
    this.keywordMatches = new StockCache(this.keywordCacheMs, KEYWORD_LISTS_KEPT);
    this.keywordMatchLimit = opts.keywordMatchLimit ?? KEYWORD_MATCH_LIMIT;
    this.partners = partnerDirectoryOf(dataSource);
    this.termRoundRows = opts.termRoundRows ?? FIRST_ROUND_ROWS;
    this.termChecks = opts.termChecks ?? 'cost';
  }

  /**
   * The partners as this process knows them (partner-directory.ts): the suspended ones written
   * into every public statement, and the publishers of a page's offers.
   */
  private directory(): Promise<PartnerSnapshot> {
    return this.partners.current();
  }

  /**
   * A page's offers get their partner from the directory (no join, no statement) when it shows
   * them; one the directory does not know yet (created by another process within the poll) stays
   * unset, and Offer.partner reads it by id.
   */
  private withPartners(query: Pick<OfferQuery, 'fields'>, offers: OfferModel[], partners: PartnerSnapshot): OfferModel[] {
    if (query.fields && !query.fields.has('partner')) return offers;
    for (const offer of offers) {
      if (offer.partnerId === null) offer.partner = null;
      else {
        const partner = partners.byId.get(offer.partnerId);
        if (partner) offer.partner = partner;
      }
    }
    return offers;
  }

  /**
   * A public count, shared between requests for the cache's time-to-live (stock-cache.ts) while the
   * count version stays the same: this process's writes change it at once (while recounts keep
   * the database busy, together every OFFER_COUNT_WRITE_COALESCE_MS), other processes' within
   * STOCK_VERSION_POLL_MS (offer-stock.ts). A count with keywords also follows this process's
   * keyword indexing.
   */
  private async cachedCount<T>(key: unknown[], filter: OfferFilterSpec, compute: () => Promise<T>): Promise<T> {
    const version = await currentCountVersion(this.dataSource, !!filter.keywordTokens, this.counts.underPressure());
    return this.counts.get(JSON.stringify(key), version, compute);
  }

  private run(statement: Sql): Promise<Row[]> {
    return this.executor.all(statement);
  }

  /** A keyword search first lets the MariaDB keyword index catch up with recent writes (offer-search-index.ts). */
  private async keywordIndexFor(filter: OfferFilterSpec): Promise<void> {
    if (filter.keywordTokens) await this.keywordIndex.catchUp();
  }

  private toModel(query: OfferQuery, row: Row): OfferModel {
    const offer = offerFromRow(row);
    if (query.sort === 'DISTANCE') offer.distanceKm = offer.sortKey ?? null;
    return offer;
  }

  /** One page of public offers, with one extra row fetched to know whether another page follows. */
  async page(query: OfferQuery, now: Date): Promise<OfferConnectionModel> {
    if (query.first === 0) return { query, rows: [], hasNextPage: false };
    await this.keywordIndexFor(query.filter);
    if (
      query.filter.keywordTokens &&
      query.partnerId === null &&
      !query.filter.near &&
      !query.filter.statuses &&
      this.keywordMatches.enabled
    ) {
      const page = await this.keywordPage(query, now);
      if (page) return page;
    }
    const partners = await this.directory();
    const found =
      (this.walksTermIndex(query) ? await this.termPageRows(query, now, partners.suspendedIds) : null) ??
      (await this.run(this.sqlFor.page(query, now, partners.suspendedIds)));
    const rows = found.map((row) => this.toModel(query, row));
    this.withPartners(query, rows, partners);
    const hasNextPage = rows.length > query.first;
    return { query, rows: hasNextPage ? rows.slice(0, query.first) : rows, hasNextPage };
  }

  /** A date-ordered keyword page on MariaDB: read by walking the term index (termPageRows). */
  private walksTermIndex(query: OfferQuery): boolean {
    return this.sqlFor.dialect === 'mysql' && !!query.filter.keywordTokens && query.sort === 'PUBLISHED_DESC' && !query.filter.near;
  }

  /**
   * The rows of a date-ordered keyword page (`first + 1` of them) from MariaDB's term index: the
   * index terms each word starts (with their newest and oldest dates), then the page itself, which
   * walks the terms newest first and stops after the page (OfferSearchSql.termPage): a page costs
   * about the same for a rare word as for a common one. Several words, or one word of at least
   * ONE_WORD_ROUNDS_MIN_TERMS terms: walkInRounds. Null (the caller reads every match instead) when
   * a word starts more than MAX_TERM_EXPANSIONS terms (a short prefix: `con`).
   */
  private async termPageRows(query: OfferQuery, now: Date, suspended: readonly number[]): Promise<Row[] | null> {
    const words = constrainingWords(query.filter.keywordTokens!);
    const terms: string[][] = words.map(() => []);
    const newest = words.map(() => -Infinity);
    const oldest = words.map(() => Infinity);
    for (const row of await this.run(this.sqlFor.termExpansions(words, MAX_TERM_EXPANSIONS))) {
      const word = Number(row.word);
      terms[word].push(String(row.term));
      newest[word] = Math.max(newest[word], fromDbDateTime(row.newest).getTime());
      oldest[word] = Math.min(oldest[word], fromDbDateTime(row.oldest).getTime());
    }
    if (terms.some((t) => t.length > MAX_TERM_EXPANSIONS)) return null;
    if (terms.some((t) => t.length === 0)) return [];
    if (words.length === 1 && terms[0].length < ONE_WORD_ROUNDS_MIN_TERMS)
      return this.run(this.sqlFor.termPage(query, { words, terms, driver: 0 }, now, suspended));
    const { estimates, offers } = await this.termRowEstimates(words);
    const dates = words.map((_w, i) => ({ newest: newest[i], oldest: oldest[i], rows: estimates[i] }));
    if (words.length === 1) {
      // Every row of its terms is a hit (but for the other filters): a window of a few pages' rows.
      const rows = ONE_WORD_ROUND_PAGES * (query.first + 1);
      return this.walkInRounds(query, { words, terms, driver: 0 }, dates[0], rows, now, suspended);
    }
    // A word of few terms is checked by looking them up in the index (~1.5 µs a term), another in
    // the offer's term list (offer_search: about LOOKUP_MAX_TERMS lookups' worth).
    const lookups = terms.map((t) => t.length <= LOOKUP_MAX_TERMS);
    const checkCost = (word: number) => (lookups[word] ? terms[word].length : LOOKUP_MAX_TERMS);
    // The walk reads about the driver's rows times what checking the other words costs per row.
    const cost = (driver: number) => estimates[driver] * words.reduce((sum, _w, i) => (i === driver ? sum : sum + checkCost(i)), 0);
    let driver = 0;
    for (let i = 1; i < words.length; i++) if (cost(i) < cost(driver)) driver = i;
    const walk: TermWalk = { words, terms, driver, lookups };
    // The share of the driver's rows holding every other word, were the words independent (they
    // are not: the pairs users type meet more often; so this leans to looking rows up).
    const hitRate = words.reduce((rate, _w, i) => (i === driver ? rate : rate * Math.min(1, estimates[i] / offers)), 1);
    const windowJoins = (since: number, before: number, wanted: number) => {
      if (this.termChecks !== 'cost') return words.map((_w, i) => i !== driver && this.termChecks === 'window');
      // Rows of the driver and of each other word in the round's window, their estimates spread
      // evenly over their dates. Looked up row by row, each of the driver's terms stops after
      // `wanted` hits; a window join reads the window of both words whole.
      const driverRows = rowsBetween(dates[driver], since, before);
      const walked = Math.min(driverRows, (terms[driver].length * wanted) / Math.max(hitRate, 1e-6));
      return words.map(
        (_w, i) =>
          i !== driver && (rowsBetween(dates[i], since, before) + driverRows) * WINDOW_JOIN_ROW_COST < walked * checkCost(i) * LOOKUP_COST,
      );
    };
    return this.walkInRounds(query, walk, dates[driver], this.termRoundRows, now, suspended, windowJoins);
  }

  /**
   * The optimizer's estimate of each word's index rows (OfferSearchSql.termRowEstimates), in order
   * (all equal if unreadable), and of the offers in the index.
   */
  private async termRowEstimates(words: string[]): Promise<{ estimates: number[]; offers: number }> {
    const plan = await this.run(this.sqlFor.termRowEstimates(words));
    const termRows = plan.filter((row) => row.table === 'offer_term');
    const offers = Math.max(1, Number(plan.find((row) => row.table === 'offer_search')?.rows) || 1);
    if (termRows.length !== words.length) return { estimates: words.map(() => 1), offers };
    const estimates = termRows.sort((a, b) => Number(a.id) - Number(b.id)).map((row) => Math.max(1, Number(row.rows) || 1));
    return { estimates, offers };
  }

  /**
   * A page walked in rounds of publication dates, newest first: each round walks the driving word's
   * terms (termPage) over a window of dates below the previous one, and the next round is asked
   * only while the page is not full. Walking every term to `first + 1` hits at once walked a term
   * whose offers seldom hold the other words to its end, even when the other terms had long filled
   * the page (`pour conge`, 1,000,000 offers: 8,203 rows walked for a page that needed 312), and
   * read `first + 1` offers for each term of a prefix of one word (`parti`, 30 terms: 630 offers
   * read for a page of 21). The first window is sized to hold about `roundRows` of the driver's rows
   * (its estimate spread evenly over its dates); each next one from the hits found so far (or 8
   * times as long when there are none); once a window reaches the driver's oldest row (or the
   * filter's publishedSince) the last round has no lower bound. The rounds' windows do not overlap
   * and are walked newest first, so their rows, in order, are the page.
   */
  private async walkInRounds(
    query: OfferQuery,
    walk: TermWalk,
    driver: { newest: number; oldest: number; rows: number },
    roundRows: number,
    now: Date,
    suspended: readonly number[],
    windowJoins?: (since: number, before: number, wanted: number) => boolean[],
  ): Promise<Row[]> {
    const wanted = query.first + 1;
    const top = query.after ? Math.min(query.after.key, driver.newest) : driver.newest;
    const floor = Math.max(driver.oldest, query.filter.publishedSince?.getTime() ?? -Infinity);
    let covered = Math.max(1, Math.ceil(((driver.newest - driver.oldest) * roundRows) / driver.rows));
    const rows: Row[] = [];
    let before: Date | undefined;
    const visibleAfter = query.partnerId === null && onlyKeywordsAndDate(query.filter);
    for (;;) {
      const since = top - covered;
      const last = since <= floor;
      const round: OfferQuery = { ...query, first: wanted - rows.length - 1 };
      const window: TermWalk = {
        ...walk,
        since: last ? undefined : new Date(since),
        before,
        windowJoins: windowJoins?.(last ? floor : since, before?.getTime() ?? top, wanted - rows.length),
      };
      let found = await this.run(this.sqlFor.termPage(round, { ...window, visibleAfter }, now, suspended));
      if (visibleAfter) {
        // Offers in the index are ACTIVE; one expired, suspended or withdrawn since is rare. When
        // one took a place among the round's candidates, its rows are walked again, checked in offer.
        const visible = found.filter((row) => row.id !== null && row.id !== undefined);
        found =
          visible.length < found.length && found.length >= wanted - rows.length
            ? await this.run(this.sqlFor.termPage(round, window, now, suspended))
            : visible;
      }
      rows.push(...found);
      if (last || rows.length >= wanted) return rows;
      before = new Date(since);
      // Hits come about evenly over the dates: ask for the rest with half as much again to spare.
      covered = rows.length === 0 ? covered * 8 : Math.max(covered * 2, Math.ceil((covered * wanted * 1.5) / rows.length));
    }
  }

  /**
   * A keyword page from the search's cached match list (KEYWORD_CACHE_SECONDS): full-text matching
   * ranks every match to sort them (InnoDB: ~10 µs a match, 100-400 ms for a common job word over
   * 250,000 offers), while the same few words come back request after request. The list holds ids
   * and sort keys only: the rows are read fresh by id and their public visibility checked again,
   * so an offer withdrawn or expired since never shows; one matching since shows when this
   * process next writes (stock version) or within the time-to-live. Null when the page runs past
   * the cached matches (the caller reads it from the database).
   *
   * A date-ordered search walking MariaDB's term index builds its list (TERM_MATCH_LIMIT matches)
   * only when it comes back within the time-to-live: the first time, the caller walks just its page
   * (`first + 1` rows). Most searches new to the hub are never asked again, and reading five pages
   * instead of one made each of them slower (two-word searches by 22-52 %, issue 18's (c, cold)).
   */
  private async keywordPage(query: OfferQuery, now: Date): Promise<OfferConnectionModel | null> {
    const viaTerms = this.walksTermIndex(query);
    const key = JSON.stringify([query.sort, query.filter]);
    if (viaTerms && !this.keywordMatches.has(key) && this.firstAsked(key)) return null;
    const limit = viaTerms ? Math.min(this.keywordMatchLimit, TERM_MATCH_LIMIT) : this.keywordMatchLimit;
    const partners = await this.directory();
    const matches = await this.keywordMatches.get<KeywordMatches>(key, await currentSearchVersion(this.dataSource), async () => {
      // The page query itself, reading ids and sort keys only, for the first `limit` matches.
      const first: OfferQuery = { ...query, after: null, first: limit, fields: new Set() };
      const rows =
        (viaTerms ? await this.termPageRows(first, now, partners.suspendedIds) : null) ??
        (await this.run(this.sqlFor.page(first, now, partners.suspendedIds)));
      const n = Math.min(rows.length, limit);
      const ids = new Float64Array(n);
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = Number(rows[i].id);
        keys[i] = query.sort === 'PUBLISHED_DESC' ? fromDbDateTime(rows[i].published_at).getTime() : Number(rows[i].sort_key);
      }
      return { ids, keys, complete: rows.length <= limit };
    });
    const total = matches.ids.length;
    let next = query.after ? firstAfter(query.sort, matches, query.after) : 0;
    const rows: OfferModel[] = [];
    // Offers no longer public are skipped; reading on until the page (and one more row) is full.
    while (rows.length <= query.first && next < total) {
      const end = Math.min(total, next + query.first + 1 - rows.length);
      const wanted = Array.from(matches.ids.subarray(next, end));
      const found = new Map<number, Row>();
      for (const row of await this.run(this.sqlFor.pageRowsByIds(query.fields, wanted, now, partners.suspendedIds)))
        found.set(Number(row.id), row);
      for (let i = next; i < end; i++) {
        const row = found.get(matches.ids[i]);
        if (row) rows.push(this.toModel(query, { ...row, sort_key: query.sort === 'PUBLISHED_DESC' ? undefined : matches.keys[i] }));
      }
      next = end;
    }
    if (rows.length <= query.first && !matches.complete) return null;
    this.withPartners(query, rows, partners);
    const hasNextPage = rows.length > query.first;
    return { query, rows: hasNextPage ? rows.slice(0, query.first) : rows, hasNextPage };
  }

  /**
   * Whether a keyword search is asked for the first time within the match lists' time-to-live
   * (remembered from now on: at most KEYWORD_SEARCHES_SEEN searches, the oldest forgotten first).
   */
  private firstAsked(key: string): boolean {
    const now = Date.now();
    const seen = this.searchesSeen.get(key);
    if (seen !== undefined && now - seen < this.keywordCacheMs) return false;
    this.searchesSeen.delete(key);
    if (this.searchesSeen.size >= KEYWORD_SEARCHES_SEEN) this.searchesSeen.delete(this.searchesSeen.keys().next().value!);
    this.searchesSeen.set(key, now);
    return true;
  }

  /** First pages for several partners (one statement), in the order of partnerIds. */
  async pagesByPartner(query: Omit<OfferQuery, 'partnerId'>, partnerIds: number[], now: Date): Promise<OfferConnectionModel[]> {
    const byPartner = new Map<number, OfferModel[]>(partnerIds.map((id) => [id, []]));
    if (query.first > 0 && partnerIds.length > 0) {
      await this.keywordIndexFor(query.filter);
      const partners = await this.directory();
      for (const row of await this.run(this.sqlFor.pagesByPartner(query, partnerIds, now, partners.suspendedIds))) {
        const offer = this.toModel({ ...query, partnerId: null }, row);
        byPartner.get(offer.partnerId!)?.push(offer);
      }
      for (const offers of byPartner.values()) this.withPartners(query, offers, partners);
    }
    const order = compareFor(query.sort);
    return partnerIds.map((partnerId) => {
      const rows = byPartner.get(partnerId)!.sort(order);
      const hasNextPage = rows.length > query.first;
      return { query: { ...query, partnerId }, rows: hasNextPage ? rows.slice(0, query.first) : rows, hasNextPage };
    });
  }

  /** Number of public offers matching a query (ignoring paging). */
  async count(query: Pick<OfferQuery, 'filter' | 'partnerId'>, now: Date): Promise<number> {
    await this.keywordIndexFor(query.filter);
    return this.cachedCount(['count', query.partnerId, query.filter], query.filter, async () => {
      const [row] = await this.run(this.sqlFor.count(query, now, (await this.directory()).suspendedIds));
      return Number(row.n);
    });
  }

  /** Public offer counts per partner for several partners, in the order of partnerIds. */
  async countByPartner(filter: OfferFilterSpec, partnerIds: number[], now: Date): Promise<number[]> {
    if (partnerIds.length === 0) return [];
    await this.keywordIndexFor(filter);
    return this.cachedCount(['countByPartner', filter, partnerIds], filter, async () => {
      const counts = new Map<number, number>();
      for (const row of await this.run(this.sqlFor.countByPartner(filter, partnerIds, now, (await this.directory()).suspendedIds)))
        counts.set(Number(row.partner_id), Number(row.n));
      return partnerIds.map((id) => counts.get(id) ?? 0);
    });
  }

  /** Counts per value of one dimension, honouring every filter but that dimension's own. */
  async facet(query: Pick<OfferQuery, 'filter' | 'partnerId'>, dimension: FacetDimension, now: Date): Promise<FacetCount[]> {
    await this.keywordIndexFor(query.filter);
    if (isGroupedFacet(dimension, query.filter)) {
      // Source, partner and ROME facets under the same filter come from one cached GROUP BY.
      const grouped = await this.cachedCount(['groupedFacets', query.partnerId, query.filter], query.filter, async () =>
        splitGroupedFacets(await this.run(this.sqlFor.groupedFacets(query, now, (await this.directory()).suspendedIds))),
      );
      return grouped[dimension];
    }
    // Keyed without the dimension's own filter, which the count ignores: the department facet
    // under "PERMANENT in 75" is the one under "PERMANENT in 13".
    return this.cachedCount(['facet', dimension, query.partnerId, withoutOwnFilter(query.filter, dimension)], query.filter, async () => {
      const rows = await this.run(this.sqlFor.facet(query, dimension, now, (await this.directory()).suspendedIds));
      return rows.map((row) => ({ value: String(row.value), count: Number(row.n) }));
    });
  }

  /** Public offers by id; a missing, withdrawn or expired one is absent (unless anyStatus: a publisher's own view). */
  async byIds(
    ids: readonly number[],
    now: Date,
    opts: { anyStatus?: boolean; ownerKey?: number | null } = {},
  ): Promise<Map<number, OfferModel>> {
    const result = new Map<number, OfferModel>();
    if (ids.length === 0) return result;
    // A publisher's own view in any status needs no partner status (and its partners come by id).
    const partners = opts.anyStatus ? null : await this.directory();
    const statement = this.sqlFor.byIds([...ids], now, opts.anyStatus ?? false, opts.ownerKey ?? null, partners?.suspendedIds);
    for (const row of await this.run(statement)) {
      const offer = offerFromRow(row);
      offer.distanceKm = null;
      result.set(offer.id, offer);
    }
    if (partners) this.withPartners({}, [...result.values()], partners);
    return result;
  }
}

/** Whether a filter has keywords and at most publishedSince besides (the term index holds both). */
function onlyKeywordsAndDate(filter: OfferFilterSpec): boolean {
  return Object.entries(filter).every(([field, value]) => value === undefined || field === 'keywordTokens' || field === 'publishedSince');
}

type GroupedFacetDimension = (typeof GROUPED_FACET_DIMENSIONS)[number];

/** Whether a dimension's facet comes from the grouped counts: it is one of them and the filter leaves it free. */
function isGroupedFacet(dimension: FacetDimension, filter: OfferFilterSpec): dimension is GroupedFacetDimension {
  return (
    (GROUPED_FACET_DIMENSIONS as readonly FacetDimension[]).includes(dimension) &&
    FACET_OWN_FILTERS[dimension].every((field) => filter[field] === undefined)
  );
}

/**
 * The facets of GROUPED_FACET_DIMENSIONS from rows of (source, partner, romeCode, n), as
 * OfferSearchSql.facet would give each: values not null, the largest count first, ties by value
 * (partner ids as numbers), at most FACET_VALUE_LIMIT.
 */
function splitGroupedFacets(rows: Row[]): Record<GroupedFacetDimension, FacetCount[]> {
  const split = {} as Record<GroupedFacetDimension, FacetCount[]>;
  for (const dimension of GROUPED_FACET_DIMENSIONS) {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const value = row[dimension];
      if (value === null || value === undefined) continue;
      const key = String(value);
      counts.set(key, (counts.get(key) ?? 0) + Number(row.n));
    }
    const byValue =
      dimension === 'partner'
        ? (a: FacetCount, b: FacetCount) => Number(a.value) - Number(b.value)
        : (a: FacetCount, b: FacetCount) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    split[dimension] = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || byValue(a, b))
      .slice(0, FACET_VALUE_LIMIT);
  }
  return split;
}

/** The filter fields each facet dimension ignores (OfferSearchSql.where's `except`). */
export const FACET_OWN_FILTERS: Record<FacetDimension, Array<keyof OfferFilterSpec>> = {
  contractType: ['contractTypes'],
  departmentCode: ['departmentCodes'],
  source: ['source'],
  partner: ['partnerIds', 'excludePartnerIds'],
  romeCode: ['romeCodes'],
};

/** A filter without the fields a facet dimension ignores. */
export function withoutOwnFilter(filter: OfferFilterSpec, dimension: FacetDimension): OfferFilterSpec {
  const rest = { ...filter };
  for (const field of FACET_OWN_FILTERS[dimension]) delete rest[field];
  return rest;
}

/** Cursor of an offer within its query's sort order. */
export function cursorOf(query: OfferQuery, offer: OfferModel): string {
  const key = query.sort === 'PUBLISHED_DESC' ? offer.publishedAt.getTime() : offer.sortKey!;
  return encodeCursor({ sort: query.sort, key, id: offer.id });
}

function compareFor(sort: OfferQuery['sort']): (a: OfferModel, b: OfferModel) => number {
  switch (sort) {
    case 'PUBLISHED_DESC':
      return (a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || b.id - a.id;
    case 'RELEVANCE':
      return (a, b) => b.sortKey! - a.sortKey! || b.id - a.id;
    case 'DISTANCE':
      return (a, b) => a.sortKey! - b.sortKey! || a.id - b.id;
  }
}
