/**
 * Builds the run-time referentials shipped in `src/referentials/data/` from real public data.
 *
 *   npm run referentials:build
 *   (= tsc -p tsconfig.build.json && node dist/src/cli/build-referentials.js)
 *
 * Provenance (all under the Licence Ouverte / Open Licence of Etalab, except the npm
 * package's code which is MIT; its data is INSEE's Code officiel géographique, Licence Ouverte):
 *  - communes, departments, regions: INSEE's Code officiel géographique as packaged by
 *    `@etalab/decoupage-administratif` (npm, data/communes.json, departements.json, regions.json);
 *  - commune centres and extra postal codes: La Poste's "Base officielle des codes postaux"
 *    (hexasmal, 2020 vintage), `<SHARED_DATA_DIR>/geo/laposte_hexasmal_2020.csv`;
 *  - occupations: France Travail's ROME 4.60 (`rome/code_rome_v460.csv`) with the grand domaine
 *    and professional domain from the ROME 4.58 tree (`rome/arborescence_v458.csv`,
 *    `grands_domaines_v458.csv`, `domaines_professionnels_v458.csv`).
 *
 * How the sources are joined (the why behind each rule):
 *  - One entry per INSEE code. 584 codes are both a current commune and its chef-lieu
 *    delegated commune; the current one is kept and the delegated name becomes an alias.
 *  - La Poste geocodes per INSEE code (every row of a code carries the same point), so a
 *    commune's centre is the mean of its rows, which in practice is that single point.
 *  - La Poste 2020 predates some mergers and restorations, hence the fallbacks, in order:
 *    own rows; for Paris, Lyon and Marseille the mean of their arrondissements; for a
 *    commune nouvelle whose code La Poste lacks, the rows of its former codes; otherwise the
 *    rows whose `Ligne_5` (the old commune name La Poste prints under a merged commune) is
 *    this commune's name, in the same department (and under its chef-lieu when it has one).
 *    Those last rows carry the host commune's point, so such a centre is approximate.
 *  - Postal codes are the union of Etalab's `codesPostaux` and La Poste's, plus, for a
 *    current commune, those of La Poste rows filed under a former code Etalab no longer knows.
 *  - A former INSEE code that is no longer a code of its own maps to its successor
 *    (`formerCodes`), so old references in partner feeds still resolve.
 *  - ROME 4.60 codes absent from the 4.58 tree get the grand domaine of their first letter
 *    and the professional domain of their first three characters. Labels are 4.60's.
 *
 * Output is deterministic (sorted, fixed key order, gzip without timestamp): re-running on the
 * same inputs yields identical bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { SHARED_DATA_DIR, SHIPPED_DATA_DIR } from '../lib/paths';
import { normalizePlaceName } from '../referentials/geo';
import {
  COMMUNE_FIELDS,
  COMMUNES_FILE,
  DEPARTMENTS_FILE,
  REGIONS_FILE,
  ROME_FILE,
  type CommuneKind,
  type CommunesFile,
  type CommuneTuple,
  type DepartmentsFile,
  type RegionsFile,
  type RomeFile,
} from '../referentials/referential.service';

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * Parses RFC 4180 CSV: quoted fields may hold the separator, line breaks and doubled quotes.
 * A leading BOM is dropped; CRLF and LF both end a record; a final empty line yields nothing.
 */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === separator) {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      endRecord();
    } else if (ch === '\r') {
      if (text[i + 1] === '\n') i++;
      endRecord();
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || row.length > 0) endRecord();
  return rows;
}

/** Parses CSV with a header line into records keyed by column name; rejects ragged rows. */
export function parseCsvRecords(text: string, separator = ','): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text, separator);
  if (!header) return [];
  return rows.map((cells, index) => {
    if (cells.length !== header.length) {
      throw new Error(`CSV: line ${index + 2} has ${cells.length} fields, header has ${header.length}`);
    }
    const record: Record<string, string> = {};
    header.forEach((column, c) => (record[column] = cells[c]));
    return record;
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort(byString);
const round5 = (x: number): number => Math.round(x * 1e5) / 1e5;

function mean(points: Array<[number, number]>): [number, number] | null {
  if (points.length === 0) return null;
  let lat = 0;
  let lon = 0;
  for (const [a, b] of points) {
    lat += a;
    lon += b;
  }
  return [round5(lat / points.length), round5(lon / points.length)];
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function writeGzJson(file: string, data: unknown): number {
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(data), 'utf8'), { level: 9 });
  fs.writeFileSync(file, gz);
  return gz.length;
}

// ---------------------------------------------------------------------------------------------
// Geography

interface EtalabCommune {
  code: string;
  nom: string;
  type: string;
  departement?: string;
  region?: string;
  codesPostaux?: string[];
  population?: number;
  chefLieu?: string;
  commune?: string;
  anciensCodes?: string[];
}

interface EtalabDepartement {
  code: string;
  nom: string;
  region: string;
}

interface EtalabRegion {
  code: string;
  nom: string;
}

interface LaPosteRow {
  inseeCode: string;
  name: string;
  postalCode: string;
  line5: string;
  point: [number, number] | null;
}

const KIND_BY_TYPE: Record<string, CommuneKind> = {
  'commune-actuelle': 'C',
  'arrondissement-municipal': 'M',
  'commune-deleguee': 'D',
  'commune-associee': 'A',
};
/** Which entry keeps an INSEE code shared by several (lower wins). */
const KIND_PRIORITY: Record<CommuneKind, number> = { C: 0, M: 1, D: 2, A: 3 };

export function readLaPoste(text: string): LaPosteRow[] {
  const records = parseCsvRecords(text, ';');
  return records.map((r) => {
    const gps = (r['coordonnees_gps'] ?? '').trim();
    let point: [number, number] | null = null;
    if (gps) {
      const [lat, lon] = gps.split(',').map((s) => Number(s.trim()));
      if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        point = [lat, lon];
      }
    }
    return {
      inseeCode: r['Code_commune_INSEE'].trim(),
      name: r['Nom_commune'].trim(),
      postalCode: r['Code_postal'].trim(),
      line5: (r['Ligne_5'] ?? '').trim(),
      point,
    };
  });
}

export interface GeoBuildReport {
  skippedWithoutDepartment: string[];
  sharedCodes: number;
  laPosteUnknownCodes: string[];
  laPosteWithoutGps: number;
  centreSource: Record<string, number>;
  withoutCentre: string[];
  withoutPostalCode: string[];
  formerCodeConflicts: string[];
}

export function buildCommunes(etalab: EtalabCommune[], laPoste: LaPosteRow[]): { file: CommunesFile; report: GeoBuildReport } {
  const report: GeoBuildReport = {
    skippedWithoutDepartment: [],
    sharedCodes: 0,
    laPosteUnknownCodes: [],
    laPosteWithoutGps: laPoste.filter((r) => !r.point).length,
    centreSource: {},
    withoutCentre: [],
    withoutPostalCode: [],
    formerCodeConflicts: [],
  };

  // 1. Etalab entries of the kept types, with department and region (inherited if missing).
  const kept = etalab.filter((c) => KIND_BY_TYPE[c.type] !== undefined);
  const currentByCode = new Map(kept.filter((c) => c.type === 'commune-actuelle').map((c) => [c.code, c]));
  const located: Array<EtalabCommune & { departement: string; region: string }> = [];
  for (const c of kept) {
    const parent = currentByCode.get(c.chefLieu ?? c.commune ?? '');
    const departement = c.departement ?? parent?.departement;
    const region = c.region ?? parent?.region;
    if (!departement || !region) {
      report.skippedWithoutDepartment.push(`${c.code} ${c.nom} (${c.type})`);
      continue;
    }
    located.push({ ...c, departement, region });
  }

  // 2. One entry per code; the others' names become aliases.
  const entriesByCode = new Map<string, typeof located>();
  for (const c of located) {
    const list = entriesByCode.get(c.code) ?? [];
    list.push(c);
    entriesByCode.set(c.code, list);
  }
  const laPosteByCode = new Map<string, LaPosteRow[]>();
  for (const row of laPoste) {
    const list = laPosteByCode.get(row.inseeCode) ?? [];
    list.push(row);
    laPosteByCode.set(row.inseeCode, list);
  }
  // Rows by "department|normalised Ligne_5", to find communes La Poste files under another code.
  const laPosteByLine5 = new Map<string, LaPosteRow[]>();
  for (const row of laPoste) {
    if (!row.line5) continue;
    for (const dep of [row.inseeCode.slice(0, 2), row.inseeCode.slice(0, 3)]) {
      const key = `${dep}|${normalizePlaceName(row.line5)}`;
      const list = laPosteByLine5.get(key) ?? [];
      list.push(row);
      laPosteByLine5.set(key, list);
    }
  }

  // 3. Former codes that are no code of their own any more → successor.
  const formerCodes: Record<string, string> = {};
  for (const c of [...currentByCode.values()].sort((a, b) => byString(a.code, b.code))) {
    for (const former of c.anciensCodes ?? []) {
      if (entriesByCode.has(former)) continue;
      if (formerCodes[former] && formerCodes[former] !== c.code) {
        report.formerCodeConflicts.push(`${former}: ${formerCodes[former]} / ${c.code}`);
        continue;
      }
      formerCodes[former] = c.code;
    }
  }
  const laPosteRowsOfFormerCodes = new Map<string, LaPosteRow[]>();
  for (const [code, rows] of laPosteByCode) {
    if (entriesByCode.has(code)) continue;
    const successor = formerCodes[code];
    if (!successor) {
      report.laPosteUnknownCodes.push(`${code} ${rows[0].name}`);
      continue;
    }
    laPosteRowsOfFormerCodes.set(successor, [...(laPosteRowsOfFormerCodes.get(successor) ?? []), ...rows]);
  }

  const currentCodeOf = (code: string): string => {
    if (formerCodes[code]) return formerCodes[code];
    const entry = entriesByCode.get(code)?.[0];
    return entry && entry.type !== 'commune-actuelle' ? (entry.chefLieu ?? entry.commune ?? code) : code;
  };

  const tuples = new Map<string, CommuneTuple>();
  const countSource = (source: string): void => {
    report.centreSource[source] = (report.centreSource[source] ?? 0) + 1;
  };
  const pointsOf = (rows: LaPosteRow[]): Array<[number, number]> => rows.flatMap((r) => (r.point ? [r.point] : []));

  for (const code of [...entriesByCode.keys()].sort(byString)) {
    const entries = entriesByCode.get(code)!.sort((a, b) => {
      const pa = KIND_PRIORITY[KIND_BY_TYPE[a.type]];
      const pb = KIND_PRIORITY[KIND_BY_TYPE[b.type]];
      return pa - pb || byString(a.nom, b.nom);
    });
    if (entries.length > 1) report.sharedCodes++;
    const main = entries[0];
    const kind = KIND_BY_TYPE[main.type];
    const parentCode = kind === 'C' ? null : (main.chefLieu ?? main.commune ?? null);
    const ownRows = laPosteByCode.get(code) ?? [];
    const postalCodes = new Set<string>(main.codesPostaux ?? []);
    for (const r of ownRows) postalCodes.add(r.postalCode);
    if (kind === 'C') for (const r of laPosteRowsOfFormerCodes.get(code) ?? []) postalCodes.add(r.postalCode);

    let centre = mean(pointsOf(ownRows));
    if (centre) countSource('own La Poste rows');
    if (!centre && kind === 'C' && main.anciensCodes?.length) {
      const formerRows = main.anciensCodes.flatMap((former) => laPosteByCode.get(former) ?? []);
      centre = mean(pointsOf(formerRows));
      if (centre) countSource('rows of former codes');
    }
    if (ownRows.length === 0) {
      // La Poste files this place under another code, with its name in Ligne_5.
      let rows = laPosteByLine5.get(`${main.departement}|${normalizePlaceName(main.nom)}`) ?? [];
      if (parentCode) {
        // The host may be the chef-lieu itself, or a former or delegated code of it.
        rows = rows.filter((r) => currentCodeOf(r.inseeCode) === parentCode);
      } else if (postalCodes.size > 0) {
        rows = rows.filter((r) => postalCodes.has(r.postalCode));
      }
      if (new Set(rows.map((r) => r.inseeCode)).size === 1) {
        for (const r of rows) postalCodes.add(r.postalCode);
        if (!centre) {
          centre = mean(pointsOf(rows));
          if (centre) countSource('Ligne_5 rows of the host commune');
        }
      }
    }

    const normalisedName = normalizePlaceName(main.nom);
    const aliases = sortedUnique(
      [...entries.slice(1).map((e) => e.nom), ...ownRows.map((r) => r.name)].filter(
        (alias) => normalizePlaceName(alias) !== normalisedName,
      ),
    );
    // Keep one spelling per normalised alias (La Poste's upper-case one loses to Etalab's).
    const seenAliases = new Set<string>();
    const distinctAliases = aliases
      .sort((a, b) => Number(a === a.toUpperCase()) - Number(b === b.toUpperCase()) || byString(a, b))
      .filter((alias) => {
        const key = normalizePlaceName(alias);
        if (seenAliases.has(key)) return false;
        seenAliases.add(key);
        return true;
      })
      .sort(byString);

    tuples.set(code, [
      code,
      main.nom,
      sortedUnique(postalCodes),
      main.departement,
      main.region,
      centre ? centre[0] : null,
      centre ? centre[1] : null,
      typeof main.population === 'number' ? main.population : null,
      kind,
      parentCode,
      distinctAliases,
    ]);
  }

  // 4. Cities split into arrondissements: centre = mean of the arrondissements' centres.
  for (const tuple of tuples.values()) {
    if (tuple[5] !== null || tuple[8] !== 'C') continue;
    const children = [...tuples.values()].filter((t) => t[8] === 'M' && t[9] === tuple[0] && t[5] !== null);
    const centre = mean(children.map((t) => [t[5]!, t[6]!]));
    if (centre) {
      [tuple[5], tuple[6]] = centre;
      countSource('mean of arrondissements');
    }
  }

  // 5. A delegated or associated commune La Poste does not name lies inside its chef-lieu:
  //    when that has a single postal code, it is necessarily this one's too.
  for (const tuple of tuples.values()) {
    const parent = tuple[9] ? tuples.get(tuple[9]) : undefined;
    if (tuple[2].length === 0 && parent && parent[2].length === 1) tuple[2] = [...parent[2]];
  }

  const communes = [...tuples.values()];
  for (const t of communes) {
    if (t[5] === null) report.withoutCentre.push(`${t[0]} ${t[1]} (${t[8]})`);
    if (t[2].length === 0) report.withoutPostalCode.push(`${t[0]} ${t[1]} (${t[8]})`);
  }
  const sortedFormerCodes: Record<string, string> = {};
  for (const former of Object.keys(formerCodes).sort(byString)) sortedFormerCodes[former] = formerCodes[former];

  return {
    file: {
      source:
        'INSEE COG via @etalab/decoupage-administratif + La Poste base des codes postaux 2020 (Licence Ouverte); built by src/cli/build-referentials.ts',
      fields: COMMUNE_FIELDS,
      communes,
      formerCodes: sortedFormerCodes,
    },
    report,
  };
}

// ---------------------------------------------------------------------------------------------
// ROME

export function buildRome(
  codes: Array<Record<string, string>>,
  tree: Array<Record<string, string>>,
  domains: Array<Record<string, string>>,
  professionalDomains: Array<Record<string, string>>,
): { file: RomeFile; onlyIn460: string[]; withoutProfessionalDomain: string[] } {
  const domainLabels = new Map(domains.map((d) => [d['code_grand_domaine'], d['libelle_grand_domaine']]));
  const professionalLabels = new Map(professionalDomains.map((d) => [d['code_domaine_professionnel'], d['libelle_domaine_professionnel']]));
  // The 4.58 tree spells the column "code_domaine_professionel" (one n).
  const treeByCode = new Map(tree.map((t) => [t['code_rome'], t]));
  const onlyIn460: string[] = [];
  const withoutProfessionalDomain: string[] = [];
  const occupations: RomeFile['occupations'] = [];
  for (const row of [...codes].sort((a, b) => byString(a['code_rome'], b['code_rome']))) {
    const code = row['code_rome'].trim();
    const inTree = treeByCode.get(code);
    if (!inTree) onlyIn460.push(code);
    const domainCode = inTree?.['code_grand_domaine'] || code[0];
    if (!domainLabels.has(domainCode)) throw new Error(`ROME ${code}: unknown grand domaine ${domainCode}`);
    const professionalCandidate = inTree?.['code_domaine_professionel'] || code.slice(0, 3);
    const professionalDomainCode = professionalLabels.has(professionalCandidate) ? professionalCandidate : null;
    if (!professionalDomainCode) withoutProfessionalDomain.push(code);
    occupations.push([code, row['libelle_rome'].trim(), domainCode, professionalDomainCode]);
  }
  const byFirst = (a: [string, string], b: [string, string]): number => byString(a[0], b[0]);
  return {
    file: {
      source: 'France Travail ROME 4.60 codes, ROME 4.58 tree and domain labels (Licence Ouverte); built by src/cli/build-referentials.ts',
      domains: [...domainLabels].sort(byFirst),
      professionalDomains: [...professionalLabels].sort(byFirst),
      occupations,
    },
    onlyIn460,
    withoutProfessionalDomain,
  };
}

// ---------------------------------------------------------------------------------------------

function main(): void {
  const etalabDir = path.dirname(require.resolve('@etalab/decoupage-administratif/data/communes.json'));
  const romeDir = path.join(SHARED_DATA_DIR, 'rome');
  const readText = (file: string): string => fs.readFileSync(file, 'utf8');

  const { file: communesFile, report } = buildCommunes(
    readJson<EtalabCommune[]>(path.join(etalabDir, 'communes.json')),
    readLaPoste(readText(path.join(SHARED_DATA_DIR, 'geo', 'laposte_hexasmal_2020.csv'))),
  );
  const departmentsFile: DepartmentsFile = {
    source: 'INSEE COG via @etalab/decoupage-administratif (Licence Ouverte)',
    departments: readJson<EtalabDepartement[]>(path.join(etalabDir, 'departements.json'))
      .map((d): [string, string, string] => [d.code, d.nom, d.region])
      .sort((a, b) => byString(a[0], b[0])),
  };
  const regionsFile: RegionsFile = {
    source: 'INSEE COG via @etalab/decoupage-administratif (Licence Ouverte)',
    regions: readJson<EtalabRegion[]>(path.join(etalabDir, 'regions.json'))
      .map((r): [string, string] => [r.code, r.nom])
      .sort((a, b) => byString(a[0], b[0])),
  };
  const rome = buildRome(
    parseCsvRecords(readText(path.join(romeDir, 'code_rome_v460.csv'))),
    parseCsvRecords(readText(path.join(romeDir, 'arborescence_v458.csv'))),
    parseCsvRecords(readText(path.join(romeDir, 'grands_domaines_v458.csv'))),
    parseCsvRecords(readText(path.join(romeDir, 'domaines_professionnels_v458.csv'))),
  );

  fs.mkdirSync(SHIPPED_DATA_DIR, { recursive: true });
  const sizes = {
    [COMMUNES_FILE]: writeGzJson(path.join(SHIPPED_DATA_DIR, COMMUNES_FILE), communesFile),
    [DEPARTMENTS_FILE]: writeGzJson(path.join(SHIPPED_DATA_DIR, DEPARTMENTS_FILE), departmentsFile),
    [REGIONS_FILE]: writeGzJson(path.join(SHIPPED_DATA_DIR, REGIONS_FILE), regionsFile),
    [ROME_FILE]: writeGzJson(path.join(SHIPPED_DATA_DIR, ROME_FILE), rome.file),
  };

  const list = (items: string[], max = 10): string =>
    items.length === 0 ? 'none' : items.slice(0, max).join(', ') + (items.length > max ? ', ...' : '');
  const log = (line: string): void => void process.stdout.write(line + '\n');
  log(`communes: ${communesFile.communes.length} (${report.sharedCodes} codes shared by several entries)`);
  log(`  former codes mapped to a successor: ${Object.keys(communesFile.formerCodes).length}`);
  log(`  centre source: ${JSON.stringify(report.centreSource)}`);
  log(`  without centre: ${report.withoutCentre.length} (${list(report.withoutCentre, 20)})`);
  log(`  without postal code: ${report.withoutPostalCode.length} (${list(report.withoutPostalCode, 30)})`);
  log(`  skipped, no department: ${list(report.skippedWithoutDepartment)}`);
  log(`  La Poste rows without GPS: ${report.laPosteWithoutGps}`);
  log(`  La Poste codes unknown to the COG: ${list(report.laPosteUnknownCodes)}`);
  log(`  former code conflicts: ${list(report.formerCodeConflicts)}`);
  log(`departments: ${departmentsFile.departments.length}, regions: ${regionsFile.regions.length}`);
  log(`ROME: ${rome.file.occupations.length} occupations, ${rome.onlyIn460.length} only in 4.60`);
  log(`  without professional domain: ${list(rome.withoutProfessionalDomain)}`);
  for (const [file, size] of Object.entries(sizes)) log(`wrote ${path.join(SHIPPED_DATA_DIR, file)}: ${size} bytes`);
}

if (require.main === module) main();
