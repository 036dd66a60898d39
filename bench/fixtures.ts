import type { DataSource } from 'typeorm';
import { toDbDateTime } from '../src/db/sql';
import { toGlobalId } from '../src/ids';
import { encodeCursor } from '../src/services/cursor';

/** Page of the broad query that scenario (d) reaches by cursor (page 1 is d0). */
export const DEEP_PAGE = 5_000;
const PAGE_SIZE = 20;

/** Job words common in French offer titles; those matching no public offer are left out. */
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
  /** Public offers per keyword, as MariaDB's full-text index counts them. */
  keywordMatches: Record<string, number>;
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

async function rowAt(dataSource: DataSource, now: string, offset: number): Promise<{ id: number; published_at: Date }> {
  const [row] = await dataSource.query(
    `SELECT o.id, o.published_at FROM offer o WHERE ${PUBLIC} ORDER BY o.published_at DESC, o.id DESC LIMIT 1 OFFSET ${offset}`,
    [now],
  );
  if (!row) throw new Error(`The benchmark database has fewer than ${offset + 1} public offers`);
  return { id: Number(row.id), published_at: row.published_at };
}

/** Reads the fixtures from the seeded database. */
export async function loadFixtures(dataSource: DataSource, log: (line: string) => void): Promise<BenchFixtures> {
  const now = toDbDateTime(new Date());
  const [{ n: publicOffers }] = await dataSource.query(`SELECT COUNT(*) AS n FROM offer o WHERE ${PUBLIC}`, [now]);

  const departments: Array<{ v: string }> = await dataSource.query(
    `SELECT o.department_code AS v, COUNT(*) AS n FROM offer o WHERE ${PUBLIC} AND o.department_code IS NOT NULL GROUP BY o.department_code ORDER BY n DESC, v LIMIT 30`,
    [now],
  );
  const contracts: Array<{ v: string }> = await dataSource.query(
    `SELECT o.contract_type AS v, COUNT(*) AS n FROM offer o WHERE ${PUBLIC} GROUP BY o.contract_type ORDER BY n DESC, v LIMIT 3`,
    [now],
  );

  const keywordMatches: Record<string, number> = {};
  const keywords: string[] = [];
  for (const candidate of KEYWORD_CANDIDATES) {
    if (keywords.length === KEYWORD_COUNT) break;
    // Same boolean-mode expression as the hub: every word required, as a prefix.
    const against = candidate
      .split(' ')
      .map((w) => `+${w}*`)
      .join(' ');
    const [{ n }] = await dataSource.query(
      `SELECT COUNT(*) AS n FROM offer o WHERE ${PUBLIC} AND MATCH(o.title, o.description) AGAINST (? IN BOOLEAN MODE)`,
      [now, against],
    );
    keywordMatches[candidate] = Number(n);
    if (Number(n) > 0) keywords.push(candidate);
    else log(`  keyword "${candidate}" matches no public offer: left out`);
  }

  const deepRow = await rowAt(dataSource, now, (DEEP_PAGE - 1) * PAGE_SIZE - 1);
  const deepPageFirst = await rowAt(dataSource, now, (DEEP_PAGE - 1) * PAGE_SIZE);
  const firstRow = await rowAt(dataSource, now, 0);

  const referenceRows: Array<{ id: number; title: string; published_at: Date; city: string | null; partner_name: string }> =
    await dataSource.query(
      `SELECT o.id, o.title, o.published_at, o.city, p.name AS partner_name FROM offer o JOIN partner p ON p.id = o.partner_id WHERE ${PUBLIC} ORDER BY o.published_at DESC, o.id DESC LIMIT 20`,
      [now],
    );

  return {
    departmentCodes: departments.map((r) => r.v),
    contractTypes: contracts.map((r) => r.v),
    keywords,
    keywordMatches,
    publicOffers: Number(publicOffers),
    deepPage: DEEP_PAGE,
    deepCursor: encodeCursor({ sort: 'PUBLISHED_DESC', key: deepRow.published_at.getTime(), id: deepRow.id }),
    deepPageFirstId: toGlobalId('Offer', deepPageFirst.id),
    firstPageFirstId: toGlobalId('Offer', firstRow.id),
    referenceOffers: referenceRows.map((r) => ({
      id: toGlobalId('Offer', Number(r.id)),
      title: r.title,
      publishedAt: r.published_at.toISOString(),
      location: { city: r.city },
      partner: { name: r.partner_name },
    })),
  };
}
