import type { DataSource } from 'typeorm';
import type { OfferSource, OfferStatus } from '../../entities';
import type { RequestScope } from '../auth/request-scope';
import { requireAgency } from '../auth/viewer';
import { joinSql, raw, sql, toDbDateTime, type Sql } from '../db/sql';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { BadUserInputError } from '../errors';
import { getReferentials } from '../referentials/referential.service';
import { publicVisibility } from '../offers/offer-search.sql';
import { isDay, parisDay, parisDayBounds } from '../lib/paris-day';

/** One slice of a breakdown; `share` is a fraction (0..1) of the whole it is part of. */
export interface BreakdownPartModel {
  key: string;
  label: string;
  count: number;
  share: number;
}

/** A breakdown row; `bySource` splits it (shares within the row), null when not split. */
export interface BreakdownModel extends BreakdownPartModel {
  bySource: BreakdownPartModel[] | null;
}

/** The day hubStats describes and the instant its "active offers" are judged at; fields resolve lazily. */
export interface HubStatsModel {
  date: string;
  /** Now for today; the end of the day for a past day. */
  at: Date;
  /** For a past day, only offers published before its end count as active then. */
  publishedBefore: Date | null;
  /** [start, end) of the day, for newOffers. */
  dayStart: Date;
  dayEnd: Date;
}

/** Partners listed by topPartners. */
export const TOP_PARTNERS = 10;

const SOURCES: OfferSource[] = ['AGENCY', 'PARTNER'];
const SOURCE_LABELS: Record<OfferSource, string> = { AGENCY: 'France Travail', PARTNER: 'Partenaires' };
const ALL_STATUSES: OfferStatus[] = ['ACTIVE', 'WITHDRAWN', 'EXPIRED'];
const UNKNOWN_KEY = 'UNKNOWN';

let domainLabels: Map<string, string> | null = null;

/** ROME grand-domain letter -> label, from the occupations of the shipped referential. */
function romeDomainLabel(code: string): string {
  if (!domainLabels) {
    domainLabels = new Map();
    for (const occupation of getReferentials().romeCodes()) domainLabels.set(occupation.domainCode, occupation.domainLabel);
  }
  return domainLabels.get(code) ?? code;
}

function share(count: number, total: number): number {
  return total > 0 ? count / total : 0;
}

function byCountDesc(a: { count: number; key: string }, b: { count: number; key: string }): number {
  return b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The agency's key figures over public offers (the search's own visibility predicate, shared with
 * offer-search.sql.ts): how many are online, how many appeared that day, and how they split by
 * source, partner, region and ROME domain. Each figure is one GROUP BY, computed only when asked.
 */
export class HubStatsService {
  private readonly executor: SqlExecutor;

  constructor(dataSource: DataSource) {
    this.executor = createSqlExecutor(dataSource);
  }

  /**
   * AGENCY: the figures of a Europe/Paris day (default today). For a past day the hub has no
   * status history: offers withdrawn since are not counted as active then.
   */
  forDay(scope: RequestScope, date: string | null): HubStatsModel {
    const { viewer, now } = scope;
    requireAgency(viewer);
    const today = parisDay(now);
    const day = date ?? today;
    if (!isDay(day)) throw new BadUserInputError('date: not a date (YYYY-MM-DD)', 'date');
    if (day > today) throw new BadUserInputError('date: must not be in the future', 'date');
    const { start, end } = parisDayBounds(day);
    return day === today
      ? { date: day, at: now, publishedBefore: null, dayStart: start, dayEnd: end }
      : { date: day, at: end, publishedBefore: end, dayStart: start, dayEnd: end };
  }

  private active(stats: HubStatsModel): Sql {
    const clauses = [publicVisibility(stats.at)];
    if (stats.publishedBefore) clauses.push(sql`o.published_at < ${toDbDateTime(stats.publishedBefore)}`);
    return joinSql(clauses, ' AND ');
  }

  /** Offers online (public search would show them). */
  async activeOffers(stats: HubStatsModel): Promise<number> {
    const [row] = await this.executor.all(sql`SELECT COUNT(*) AS n FROM offer o WHERE ${this.active(stats)}`);
    return Number(row.n);
  }

  /** Offers published that day, whatever became of them since. */
  async newOffers(stats: HubStatsModel): Promise<number> {
    // Listing every status lets the (status, published_at, id) index serve the date range.
    const statuses = joinSql(
      ALL_STATUSES.map((s) => sql`${s}`),
      ', ',
    );
    const [row] = await this.executor.all(
      sql`SELECT COUNT(*) AS n FROM offer o WHERE o.status IN (${statuses}) AND o.published_at >= ${toDbDateTime(stats.dayStart)} AND o.published_at < ${toDbDateTime(stats.dayEnd)}`,
    );
    return Number(row.n);
  }

  /** Active offers by source (the agency's own, the partners'): both rows, even at zero. */
  async bySource(stats: HubStatsModel): Promise<BreakdownModel[]> {
    const rows = await this.executor.all(
      sql`SELECT o.source AS k, COUNT(*) AS n FROM offer o WHERE ${this.active(stats)} GROUP BY o.source`,
    );
    const counts = new Map(rows.map((r) => [String(r.k), Number(r.n)]));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return SOURCES.map((source) => ({
      key: source,
      label: SOURCE_LABELS[source],
      count: counts.get(source) ?? 0,
      share: share(counts.get(source) ?? 0, total),
      bySource: null,
    })).sort(byCountDesc);
  }

  /** The TOP_PARTNERS partners with the most active offers; key = partner code, share of all active offers. */
  async topPartners(stats: HubStatsModel): Promise<BreakdownModel[]> {
    const rows = await this.executor.all(
      sql`SELECT o.partner_id AS k, pa.code AS code, pa.name AS name, COUNT(*) AS n FROM offer o LEFT JOIN partner pa ON pa.id = o.partner_id WHERE ${this.active(stats)} GROUP BY o.partner_id, pa.code, pa.name`,
    );
    const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
    return rows
      .filter((r) => r.k !== null && r.k !== undefined)
      .map((r) => ({ key: String(r.code), label: String(r.name), count: Number(r.n), share: share(Number(r.n), total), bySource: null }))
      .sort(byCountDesc)
      .slice(0, TOP_PARTNERS);
  }

  /** Active offers by region (INSEE code, official name), each row split by source. */
  byRegion(stats: HubStatsModel): Promise<BreakdownModel[]> {
    return this.splitBySource(stats, raw('o.region_code'), (code) => getReferentials().region(code)?.name ?? code, 'Région inconnue');
  }

  /** Active offers by ROME grand domain (the code's letter: A agriculture ... N transport), each row split by source. */
  byRomeDomain(stats: HubStatsModel): Promise<BreakdownModel[]> {
    return this.splitBySource(stats, raw('SUBSTR(o.rome_code, 1, 1)'), romeDomainLabel, 'Métier non renseigné');
  }

  private async splitBySource(
    stats: HubStatsModel,
    column: Sql,
    labelOf: (key: string) => string,
    unknownLabel: string,
  ): Promise<BreakdownModel[]> {
    const rows = await this.executor.all(
      sql`SELECT ${column} AS k, o.source AS s, COUNT(*) AS n FROM offer o WHERE ${this.active(stats)} GROUP BY ${column}, o.source`,
    );
    const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
    const byKey = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const key = r.k === null || r.k === undefined || r.k === '' ? UNKNOWN_KEY : String(r.k);
      let parts = byKey.get(key);
      if (!parts) byKey.set(key, (parts = new Map()));
      parts.set(String(r.s), (parts.get(String(r.s)) ?? 0) + Number(r.n));
    }
    return [...byKey]
      .map(([key, parts]) => {
        const count = [...parts.values()].reduce((a, b) => a + b, 0);
        return {
          key,
          label: key === UNKNOWN_KEY ? unknownLabel : labelOf(key),
          count,
          share: share(count, total),
          bySource: SOURCES.map((source) => ({
            key: source,
            label: SOURCE_LABELS[source],
            count: parts.get(source) ?? 0,
            share: share(parts.get(source) ?? 0, count),
          })),
        };
      })
      .sort(byCountDesc);
  }
}
