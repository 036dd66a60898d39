import { OFFER_READ_COLUMNS } from '../db/offer-row';
import { columnList, inList, joinSql, raw, Sql, sql, toDbDateTime } from '../db/sql';
import { boundingBoxDegrees, haversineKmSql } from '../referentials/geo';
import { columnsForFields } from './offer-fields';
import type { OfferStatus } from '../../entities';
import type { FacetDimension, OfferFilterSpec, OfferQuery } from './offer-search.types';
import type { Dialect } from '../db/dialect';
import { constrainingWords } from '../lib/offer-terms';

/**
 * Hand-written SQL for the public read path, for both engines. TypeORM owns entities, migrations
 * and writes; this hot path sends parameterised SQL through TypeORM's data source because the
 * query builder's overhead showed on it (see README, "Performance").
 */

const SELECT_OFFER_COLUMNS = columnList(OFFER_READ_COLUMNS, 'o');

/** The offer columns a page reads for these selected fields (all of them when unknown: offer-fields.ts). */
function offerColumnsFor(fields: ReadonlySet<string> | undefined): Sql {
  const columns = fields ? columnsForFields(fields) : null;
  return columns ? columnList(columns, 'o') : SELECT_OFFER_COLUMNS;
}

export const FACET_COLUMNS: Record<FacetDimension, string> = {
  contractType: 'o.contract_type',
  departmentCode: 'o.department_code',
  source: 'o.source',
  partner: 'o.partner_id',
  romeCode: 'o.rome_code',
};

/**
 * Facet dimensions counted together, in one GROUP BY under the whole filter, when the filter does
 * not constrain them (a facet ignores its own dimension's filter, so a constrained one has its own
 * statement). Few distinct combinations: ~2,000 rows for the largest department x contract type.
 */
export const GROUPED_FACET_DIMENSIONS = ['source', 'partner', 'romeCode'] as const satisfies readonly FacetDimension[];

/** At most this many values per facet dimension, the largest first (documented in the README). */
export const FACET_VALUE_LIMIT = 200;

/** `word%` for LIKE, with LIKE's own characters escaped (folded words hold none, but a pattern is a pattern). */
function prefixPattern(word: string): string {
  return `${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** LIMIT takes a literal: prepared statements on MariaDB/MySQL reject a bound LIMIT of type double. */
function limit(n: number): Sql {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad LIMIT ${n}`);
  return raw(String(n));
}

/**
 * What the public may see: ACTIVE, not past validThrough, and not from a suspended partner.
 * `suspendedPartnerIds`: the suspended partners as this process knows them (the partner directory,
 * src/partners/partner-directory.ts: current within STOCK_VERSION_POLL_MS), written into the
 * statement; without them, a subquery reads the partner table (a third of a page's MariaDB time).
 */
export function publicVisibility(now: Date, suspendedPartnerIds?: readonly number[]): Sql {
  const live = sql`o.status = 'ACTIVE' AND (o.valid_through IS NULL OR o.valid_through > ${toDbDateTime(now)})`;
  if (!suspendedPartnerIds)
    return sql`${live} AND (o.partner_id IS NULL OR o.partner_id NOT IN (SELECT p.id FROM partner p WHERE p.status = 'SUSPENDED'))`;
  if (suspendedPartnerIds.length === 0) return live;
  return sql`${live} AND (o.partner_id IS NULL OR o.partner_id NOT IN ${inList([...suspendedPartnerIds])})`;
}

/**
 * A publisher's own view: its offers in these effective statuses, whatever the partner's status.
 * ACTIVE past validThrough is EXPIRED (the expiry run marks it within a minute).
 */
export function statusVisibility(statuses: readonly OfferStatus[], now: Date): Sql {
  const at = toDbDateTime(now);
  const clauses = [...new Set(statuses)].map((status) => {
    switch (status) {
      case 'ACTIVE':
        return sql`(o.status = 'ACTIVE' AND (o.valid_through IS NULL OR o.valid_through > ${at}))`;
      case 'EXPIRED':
        return sql`(o.status = 'EXPIRED' OR (o.status = 'ACTIVE' AND o.valid_through <= ${at}))`;
      case 'WITHDRAWN':
        return sql`o.status = 'WITHDRAWN'`;
    }
  });
  return clauses.length === 0 ? raw('1 = 0') : sql`(${joinSql(clauses, ' OR ')})`;
}

/** How a keyword page walks MariaDB's term index (OfferSearchSql.termPage). */
export interface TermWalk {
  /** The search's constraining words (offer-terms.ts) and the index terms each starts. */
  words: string[];
  terms: string[][];
  /** The word whose terms are walked; every other one is checked for each row walked. */
  driver: number;
  /** Per word: checked by looking its terms up in offer_term (else in offer_search's term list). */
  lookups?: boolean[];
  /**
   * Per word: checked against every row of its terms within the walk's dates, read once (a
   * semi-join MariaDB materializes), rather than row by row (`lookups`). When any word is, the
   * driver's terms are walked together in one sorted range instead of one branch each.
   */
  windowJoins?: boolean[];
  /** Rows published at or after this only (a round of a multi-word walk: OfferSearchService). */
  since?: Date;
  /** Rows published before this only (where the previous round stopped). */
  before?: Date;
  /**
   * The walk leaves offers' public visibility to the page's own read of them (a query with no
   * other filter but publishedSince: OfferSearchService.walkInRounds), rather than reading each
   * branch's hits in offer: the page then also returns its invisible candidates, with a null `id`.
   */
  visibleAfter?: boolean;
}

export class OfferSearchSql {
  constructor(readonly dialect: Dialect) {}

  /**
   * SQLite's full-text match: FTS5 (`"word"* AND ...`). On MariaDB keywords are matched by joining
   * the term index instead (`from`): no condition here.
   */
  private matchExpression(tokens: string[]): Sql | null {
    if (this.dialect === 'mysql') return null;
    return sql`offer_fts MATCH ${tokens.map((t) => `"${t}"*`).join(' AND ')}`;
  }

  /** Relevance score, higher is better; only valid with the keyword join/filter in place. */
  private scoreExpression(): Sql {
    return raw(this.dialect === 'mysql' ? 'k.score' : '(-bm25(offer_fts))');
  }

  /**
   * MariaDB: the offers matching every keyword, from the term index (`offer_term`), with their
   * relevance score: the sum of the weights of their matching terms (offer-terms.ts: each occurrence
   * in the description 1, in the title TITLE_WEIGHT). Reads every match of every word (the cost
   * FULLTEXT had): used for counts, facets, RELEVANCE and `near`; date-ordered pages walk the index
   * instead (termPage).
   */
  private termMatches(tokens: string[]): Sql {
    const words = constrainingWords(tokens);
    const any = joinSql(
      words.map((w) => sql`t.term LIKE ${prefixPattern(w)}`),
      ' OR ',
    );
    if (words.length === 1) return sql`SELECT t.offer_id, SUM(t.weight) AS score FROM offer_term t WHERE ${any} GROUP BY t.offer_id`;
    const which = joinSql(
      words.map((w, i) => sql`WHEN t.term LIKE ${prefixPattern(w)} THEN ${raw(String(i))}`),
      ' ',
    );
    return sql`SELECT t.offer_id, SUM(t.weight) AS score FROM offer_term t WHERE ${any} GROUP BY t.offer_id HAVING COUNT(DISTINCT CASE ${which} END) = ${raw(String(words.length))}`;
  }

  /**
   * MariaDB: the index terms each word of a search starts (at most `cap` + 1 each: more tells the
   * caller the word is too short to walk term by term), with the publication dates of each term's
   * newest and oldest rows (the ends of its key range: MariaDB reads them by a loose index scan).
   * Rows (word, term, newest, oldest), word the index in `words`.
   */
  termExpansions(words: string[], cap: number): Sql {
    const branches = words.map(
      (w, i) =>
        sql`(SELECT ${raw(String(i))} AS word, term, MAX(published_at) AS newest, MIN(published_at) AS oldest FROM offer_term WHERE term LIKE ${prefixPattern(w)} GROUP BY term LIMIT ${limit(cap + 1)})`,
    );
    return joinSql(branches, ' UNION ALL ');
  }

  /**
   * MariaDB: the optimizer's estimate of the index rows each word matches (EXPLAIN: InnoDB samples
   * the key range, ~0.1 ms whatever its size; within a factor of ~2, the same for every word),
   * to pick the word a multi-word page walks. One row per word, in order, its estimate in `rows`,
   * then one for offer_search (`table` offer_search): the offers in the index. Counting the rows
   * instead read up to 20,000 of them per word (4-8 ms a two-word search at 1,000,000 offers).
   */
  termRowEstimates(words: string[]): Sql {
    const branches = words.map((w) => sql`SELECT 1 FROM offer_term WHERE term LIKE ${prefixPattern(w)}`);
    return sql`EXPLAIN ${joinSql(branches, ' UNION ALL ')} UNION ALL SELECT 1 FROM offer_search`;
  }

  /**
   * MariaDB: a date-ordered keyword page from the term index, without reading every match. For
   * each index term the driving word starts (`walk.terms[walk.driver]`), one branch walks that
   * term's rows in page order (the primary key, newest first, from the cursor, within the walk's
   * dates if given), keeps the rows of offers that have a term starting with each other word, joins
   * each to its offer for the filters and public visibility, and stops after `first + 1` hits; the
   * union of the branches, deduplicated (an offer can hold several terms of the word), gives the
   * page. STRAIGHT_JOIN keeps the walk from the term index (the optimizer would otherwise start
   * from an index on offer for a filter such as publishedSince and sort every match); naming
   * offer's primary key spares the optimizer estimating, for every branch, ranges of offer's other
   * indexes it cannot use there (the visibility filters: 2-5 ms of a two-word page of 5-19 terms).
   *
   * The other words are checked in the index itself when they start few terms
   * (`walk.lookups[word]`): one primary-key lookup in offer_term per term of the word, for this
   * offer (its term, date and id), ~1.5 µs each; otherwise in the list of terms offer_search keeps
   * per offer (one primary-key read of a ~1 KB row and a scan of it: ~15-25 µs), joined before
   * offer so that a row rejected there costs no read of the wider offer row. The lookups are scalar
   * subqueries, one per term: MariaDB turns an EXISTS into a materialization of every row of the
   * term, and reads every row of the word for one subquery over `term IN (...)` with outer
   * references.
   *
   * `walk.visibleAfter`: the branches do not read offer at all (their hits' public visibility is
   * left to the page's own read of its rows, a LEFT JOIN returning a candidate that is no longer
   * public with a null id): each branch's hits read in offer were mostly not on the page (a
   * two-word page of 6 walked terms read 105 offers for 21 rows; bench (c, cold) at 10 at once, 1 M
   * offers: p99 142 -> 89 ms, MariaDB CPU 3.6 -> 3.0 ms a search).
   */
  termPage(query: OfferQuery, walk: TermWalk, now: Date, suspended?: readonly number[]): Sql {
    const n = limit(query.first + 1);
    const offerFilter: OfferFilterSpec = { ...query.filter };
    delete offerFilter.keywordTokens;
    const checks: Sql[] = [];
    let searchJoin = false;
    // The walk's dates, on the driver's rows (t) and on a window join's (b).
    const walkDates = (alias: 't' | 'b') => {
      const at = raw(`${alias}.published_at`);
      return [
        ...(walk.since ? [sql`${at} >= ${toDbDateTime(walk.since)}`] : []),
        ...(walk.before ? [sql`${at} < ${toDbDateTime(walk.before)}`] : []),
      ];
    };
    // A window join reads the word's rows within the walk's dates (and below the cursor).
    const windowBounds = walkDates('b');
    if (query.after) windowBounds.unshift(sql`b.published_at <= ${toDbDateTime(new Date(query.after.key))}`);
    const inWindow = windowBounds.length ? sql` AND ${joinSql(windowBounds, ' AND ')}` : raw('');
    walk.terms.forEach((terms, word) => {
      if (word === walk.driver) return;
      if (walk.windowJoins?.[word]) {
        checks.push(
          sql`(t.published_at, t.offer_id) IN (SELECT b.published_at, b.offer_id FROM offer_term b WHERE b.term IN ${inList(terms)}${inWindow})`,
        );
      } else if (walk.lookups?.[word]) {
        const found = terms.map(
          (term) =>
            sql`(SELECT 1 FROM offer_term b WHERE b.term = ${term} AND b.published_at = t.published_at AND b.offer_id = t.offer_id) IS NOT NULL`,
        );
        checks.push(sql`(${joinSql(found, ' OR ')})`);
      } else {
        searchJoin = true;
        checks.push(sql`CONCAT(' ', s.terms) LIKE ${`% ${prefixPattern(walk.words[word])}`}`);
      }
    });
    const conditions = [...checks];
    if (!walk.visibleAfter) conditions.push(this.where(offerFilter, query.partnerId, now, undefined, suspended));
    else if (query.filter.publishedSince) conditions.push(sql`t.published_at >= ${toDbDateTime(query.filter.publishedSince)}`);
    if (query.after) {
      const key = toDbDateTime(new Date(query.after.key));
      conditions.push(sql`t.published_at <= ${key} AND (t.published_at < ${key} OR t.offer_id < ${query.after.id})`);
    }
    conditions.push(...walkDates('t'));
    const rest = conditions.length ? sql` AND ${joinSql(conditions, ' AND ')}` : raw('');
    const join = raw(
      (searchJoin ? ' JOIN offer_search s ON s.offer_id = t.offer_id' : '') +
        (walk.visibleAfter ? '' : ' JOIN offer o FORCE INDEX (PRIMARY) ON o.id = t.offer_id'),
    );
    const driverTerms = walk.terms[walk.driver];
    let matches: Sql;
    if (walk.windowJoins?.some(Boolean)) {
      // Every row of the driver's terms in the window is checked (against the materialized rows of
      // the other words), then sorted: one statement, no branch per term.
      matches = sql`(SELECT DISTINCT STRAIGHT_JOIN t.offer_id, t.published_at FROM offer_term t${join} WHERE t.term IN ${inList(driverTerms)}${rest} ORDER BY t.published_at DESC, t.offer_id DESC LIMIT ${n}) m`;
    } else {
      const branches = driverTerms.map(
        (term) =>
          sql`(SELECT STRAIGHT_JOIN t.offer_id, t.published_at FROM offer_term t${join} WHERE t.term = ${term}${rest} ORDER BY t.published_at DESC, t.offer_id DESC LIMIT ${n})`,
      );
      const union = branches.length === 1 ? branches[0] : sql`(${joinSql(branches, ' UNION ')})`;
      matches = sql`(SELECT u.offer_id, u.published_at FROM ${union} u ORDER BY u.published_at DESC, u.offer_id DESC LIMIT ${n}) m`;
    }
    // Its partners come from the partner directory, as for page().
    if (walk.visibleAfter)
      return sql`SELECT ${offerColumnsFor(query.fields)} FROM ${matches} LEFT JOIN ${this.byPrimaryKey()} ON o.id = m.offer_id AND ${publicVisibility(now, suspended)} ORDER BY m.published_at DESC, m.offer_id DESC`;
    return sql`SELECT ${offerColumnsFor(query.fields)} FROM ${matches} JOIN ${this.byPrimaryKey()} ON o.id = m.offer_id ORDER BY o.published_at DESC, o.id DESC`;
  }

  private distanceExpression(near: NonNullable<OfferFilterSpec['near']>): Sql {
    const { latitude, longitude } = near;
    return haversineKmSql('o', latitude, longitude);
  }

  private from(filter: OfferFilterSpec, indexHint: string | null = null): Sql {
    if (filter.keywordTokens) {
      if (this.dialect === 'sqlite') return raw('offer o JOIN offer_fts ON offer_fts.rowid = o.id');
      return sql`(${this.termMatches(filter.keywordTokens)}) k JOIN offer o ON o.id = k.offer_id`;
    }
    return raw(indexHint && this.dialect === 'mysql' ? `offer o FORCE INDEX (${indexHint})` : 'offer o');
  }

  /**
   * The index a date-ordered page must walk on MariaDB. With the visibility predicates in the
   * WHERE clause, its optimizer reads (status = 'ACTIVE') as a `ref` lookup and scans from the
   * newest row down to the cursor instead of seeking to it: page 5,000 then reads 100,000 rows.
   * Naming the index makes it a range scan starting at the cursor. Only when one equality filter
   * (or none) leads, so the index order is the page order; otherwise the optimizer chooses.
   */
  private pageIndexHint(query: OfferQuery): string | null {
    if (this.dialect !== 'mysql' || query.sort !== 'PUBLISHED_DESC') return null;
    const f = query.filter;
    if (f.keywordTokens || f.near) return null;
    if (query.partnerId !== null) return 'ix_offer_partner';
    if (f.statuses) return null;
    const single: Array<[unknown[] | undefined, string]> = [
      [f.departmentCodes, 'ix_offer_department'],
      [f.romeCodes, 'ix_offer_rome'],
      [f.regionCodes, 'ix_offer_region'],
      [f.contractTypes, 'ix_offer_contract'],
    ];
    const used = single.filter(([values]) => values !== undefined);
    if (used.length === 0) return 'ix_offer_keyset';
    if (used.length === 2 && f.departmentCodes?.length === 1 && f.contractTypes?.length === 1) return 'ix_offer_department_contract';
    const [values, index] = used[0];
    return values!.length === 1 ? index : null;
  }

  /**
   * WHERE clauses for a filter; `except` leaves out one facet dimension's own filter. `suspended`:
   * the suspended partners' ids (publicVisibility), here and in every method below.
   */
  where(filter: OfferFilterSpec, partnerId: number | null, now: Date, except?: FacetDimension, suspended?: readonly number[]): Sql {
    const clauses: Sql[] = [filter.statuses ? statusVisibility(filter.statuses, now) : publicVisibility(now, suspended)];
    if (partnerId !== null) clauses.push(sql`o.partner_id = ${partnerId}`);
    const match = filter.keywordTokens ? this.matchExpression(filter.keywordTokens) : null;
    if (match) clauses.push(match);
    if (filter.romeCodes && except !== 'romeCode') clauses.push(sql`o.rome_code IN ${inList(filter.romeCodes)}`);
    if (filter.contractTypes && except !== 'contractType') clauses.push(sql`o.contract_type IN ${inList(filter.contractTypes)}`);
    if (filter.departmentCodes && except !== 'departmentCode') clauses.push(sql`o.department_code IN ${inList(filter.departmentCodes)}`);
    if (filter.regionCodes) clauses.push(sql`o.region_code IN ${inList(filter.regionCodes)}`);
    if (filter.near) {
      const { latitude, longitude, radiusKm } = filter.near;
      const { dLat, dLon } = boundingBoxDegrees(latitude, radiusKm);
      // The bounding box lets the (status, latitude, longitude) index narrow rows; the great-circle
      // distance then keeps the circle.
      clauses.push(sql`o.latitude BETWEEN ${latitude - dLat} AND ${latitude + dLat}`);
      clauses.push(sql`o.longitude BETWEEN ${longitude - dLon} AND ${longitude + dLon}`);
      clauses.push(sql`${this.distanceExpression(filter.near)} <= ${radiusKm}`);
    }
    if (filter.source && except !== 'source') clauses.push(sql`o.source = ${filter.source}`);
    if (except !== 'partner') {
      if (filter.partnerIds) {
        clauses.push(filter.partnerIds.length ? sql`o.partner_id IN ${inList(filter.partnerIds)}` : raw('1 = 0'));
      }
      if (filter.excludePartnerIds?.length) {
        clauses.push(sql`(o.partner_id IS NULL OR o.partner_id NOT IN ${inList(filter.excludePartnerIds)})`);
      }
    }
    if (filter.publishedSince) clauses.push(sql`o.published_at >= ${toDbDateTime(filter.publishedSince)}`);
    if (filter.minSalary !== undefined) clauses.push(sql`o.salary_yearly_min >= ${filter.minSalary}`);
    return joinSql(clauses, ' AND ');
  }

  /** The sort key expression and direction of a query. */
  private sortKey(query: OfferQuery): { expr: Sql; dir: 'ASC' | 'DESC' } {
    switch (query.sort) {
      case 'RELEVANCE':
        return { expr: this.scoreExpression(), dir: 'DESC' };
      case 'DISTANCE':
        return { expr: this.distanceExpression(query.filter.near!), dir: 'ASC' };
      case 'PUBLISHED_DESC':
        return { expr: raw('o.published_at'), dir: 'DESC' };
    }
  }

  /**
   * One page: `first + 1` rows after the cursor (the extra row tells hasNextPage). Its partners
   * come from the partner directory (OfferSearchService), not from a join.
   */
  page(query: OfferQuery, now: Date, suspended?: readonly number[]): Sql {
    const { expr, dir } = this.sortKey(query);
    const clauses = [this.where(query.filter, query.partnerId, now, undefined, suspended)];
    if (query.after) {
      const key = query.sort === 'PUBLISHED_DESC' ? toDbDateTime(new Date(query.after.key)) : query.after.key;
      const cmp = raw(dir === 'DESC' ? '<' : '>');
      const cmpOrEqual = raw(dir === 'DESC' ? '<=' : '>=');
      // The leading `key <= cursor` is redundant logically but sargable: it lets the engine start a
      // range scan of (status, published_at, id) at the cursor instead of reading every row before it.
      clauses.push(sql`${expr} ${cmpOrEqual} ${key} AND (${expr} ${cmp} ${key} OR o.id ${cmp} ${query.after.id})`);
    }
    const sortColumn = query.sort === 'PUBLISHED_DESC' ? raw('') : sql`, ${expr} AS sort_key`;
    const distanceColumn =
      query.filter.near && query.sort !== 'DISTANCE' ? sql`, ${this.distanceExpression(query.filter.near)} AS distance_km` : raw('');
    return sql`SELECT ${offerColumnsFor(query.fields)}${sortColumn}${distanceColumn} FROM ${this.from(query.filter, this.pageIndexHint(query))} WHERE ${joinSql(clauses, ' AND ')} ORDER BY ${query.sort === 'PUBLISHED_DESC' ? raw('o.published_at') : raw('sort_key')} ${raw(dir)}, o.id ${raw(dir)} LIMIT ${limit(query.first + 1)}`;
  }

  /**
   * First pages of several partners' offers in one statement (Partner.offers through a loader):
   * one index-backed LIMITed branch per partner, glued with UNION ALL.
   */
  pagesByPartner(query: Omit<OfferQuery, 'partnerId'>, partnerIds: number[], now: Date, suspended?: readonly number[]): Sql {
    const branches = partnerIds.map(
      (partnerId) => sql`SELECT * FROM (${this.page({ ...query, partnerId }, now, suspended)}) b${raw(String(partnerId))}`,
    );
    return joinSql(branches, ' UNION ALL ');
  }

  count(query: Pick<OfferQuery, 'filter' | 'partnerId'>, now: Date, suspended?: readonly number[]): Sql {
    return sql`SELECT COUNT(*) AS n FROM ${this.from(query.filter)} WHERE ${this.where(query.filter, query.partnerId, now, undefined, suspended)}`;
  }

  /** Counts per partner for several partners at once (activeOfferCount, Partner.offers.totalCount). */
  countByPartner(filter: OfferFilterSpec, partnerIds: number[], now: Date, suspended?: readonly number[]): Sql {
    return sql`SELECT o.partner_id AS partner_id, COUNT(*) AS n FROM ${this.from(filter)} WHERE ${this.where(filter, null, now, undefined, suspended)} AND o.partner_id IN ${inList(partnerIds)} GROUP BY o.partner_id`;
  }

  facet(query: Pick<OfferQuery, 'filter' | 'partnerId'>, dimension: FacetDimension, now: Date, suspended?: readonly number[]): Sql {
    const column = raw(FACET_COLUMNS[dimension]);
    return sql`SELECT ${column} AS value, COUNT(*) AS n FROM ${this.from(query.filter)} WHERE ${this.where(query.filter, query.partnerId, now, dimension, suspended)} AND ${column} IS NOT NULL GROUP BY ${column} ORDER BY n DESC, value ASC LIMIT ${limit(FACET_VALUE_LIMIT)}`;
  }

  /**
   * Counts per (source, partner, ROME code) under the whole filter: the facets of those three
   * dimensions, when the filter leaves them free, split from one scan (OfferSearchService.facet).
   */
  groupedFacets(query: Pick<OfferQuery, 'filter' | 'partnerId'>, now: Date, suspended?: readonly number[]): Sql {
    const columns = raw(GROUPED_FACET_DIMENSIONS.map((d) => `${FACET_COLUMNS[d]} AS ${d}`).join(', '));
    const groupBy = raw(GROUPED_FACET_DIMENSIONS.map((d) => FACET_COLUMNS[d]).join(', '));
    return sql`SELECT ${columns}, COUNT(*) AS n FROM ${this.from(query.filter)} WHERE ${this.where(query.filter, query.partnerId, now, undefined, suspended)} GROUP BY ${groupBy}`;
  }

  /**
   * The public ones of these offers, with the columns a page reads for `fields`: the rows of a
   * keyword page served from its cached match list. Any order.
   */
  pageRowsByIds(fields: ReadonlySet<string> | undefined, ids: number[], now: Date, suspended?: readonly number[]): Sql {
    return sql`SELECT ${offerColumnsFor(fields)} FROM ${this.byPrimaryKey()} WHERE o.id IN ${inList(ids)} AND ${publicVisibility(now, suspended)}`;
  }

  /**
   * `offer o`, read by primary key on MariaDB: with the visibility predicates beside `id IN (...)`
   * its optimizer weighs every index that starts with `status` (a dozen) for each statement: 470 µs
   * of MariaDB CPU for a 21-id page against 140-150 µs with the index named (1 M offers, 2026-12-05).
   */
  private byPrimaryKey(): Sql {
    return raw(this.dialect === 'mysql' ? 'offer o FORCE INDEX (PRIMARY)' : 'offer o');
  }

  /**
   * Offers by id (Query.offer, node, loaders): public ones only; `anyStatus` every one; `ownerKey`
   * public ones and every one of that publisher (partner id, 0: the agency).
   */
  byIds(ids: number[], now: Date, anyStatus = false, ownerKey: number | null = null, suspended?: readonly number[]): Sql {
    const visible = anyStatus
      ? raw('')
      : ownerKey !== null
        ? sql` AND (o.partner_key = ${ownerKey} OR ${publicVisibility(now, suspended)})`
        : sql` AND ${publicVisibility(now, suspended)}`;
    return sql`SELECT ${SELECT_OFFER_COLUMNS} FROM ${this.byPrimaryKey()} WHERE o.id IN ${inList(ids)}${visible}`;
  }
}
