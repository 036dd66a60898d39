import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { SHIPPED_DATA_DIR } from '../lib/paths';
import { normalizePlaceName } from './geo';
import type { Commune, Department, Region, RomeOccupation } from './referential.types';

// ---------------------------------------------------------------------------------------------
// Shipped file formats, written by src/cli/build-referentials.ts and read here.

/** Kind of commune entry: C current commune, D delegated, A associated, M municipal arrondissement. */
export type CommuneKind = 'C' | 'D' | 'A' | 'M';

/** Positional layout of one commune in communes.json.gz (see COMMUNE_FIELDS). */
export type CommuneTuple = [
  code: string,
  name: string,
  postalCodes: string[],
  departmentCode: string,
  regionCode: string,
  latitude: number | null,
  longitude: number | null,
  population: number | null,
  kind: CommuneKind,
  /** Chef-lieu of a delegated/associated commune, city of an arrondissement; null for a current commune. */
  parentCode: string | null,
  /** Other names this place answers to: former names, La Poste's spelling, same-code delegated commune. */
  aliases: string[],
];

export const COMMUNE_FIELDS = [
  'code',
  'name',
  'postalCodes',
  'departmentCode',
  'regionCode',
  'latitude',
  'longitude',
  'population',
  'kind',
  'parentCode',
  'aliases',
] as const;

export interface CommunesFile {
  source: string;
  fields: typeof COMMUNE_FIELDS;
  communes: CommuneTuple[];
  /** Former INSEE code (no longer a code of its own) → code of the current commune that absorbed it. */
  formerCodes: Record<string, string>;
}

export interface DepartmentsFile {
  source: string;
  departments: Array<[code: string, name: string, regionCode: string]>;
}

export interface RegionsFile {
  source: string;
  regions: Array<[code: string, name: string]>;
}

export interface RomeFile {
  source: string;
  domains: Array<[code: string, label: string]>;
  professionalDomains: Array<[code: string, label: string]>;
  occupations: Array<[code: string, label: string, domainCode: string, professionalDomainCode: string | null]>;
}

export const COMMUNES_FILE = 'communes.json.gz';
export const DEPARTMENTS_FILE = 'departments.json.gz';
export const REGIONS_FILE = 'regions.json.gz';
export const ROME_FILE = 'rome.json.gz';

export interface ReferentialFiles {
  communes: CommunesFile;
  departments: DepartmentsFile;
  regions: RegionsFile;
  rome: RomeFile;
}

export interface LocationInput {
  postalCode?: string | null;
  communeCode?: string | null;
  city?: string | null;
}

// ---------------------------------------------------------------------------------------------

interface CommuneEntry {
  commune: Commune;
  kind: CommuneKind;
  population: number | null;
  /** Normalised name and aliases. */
  names: Set<string>;
}

/** Current communes and arrondissements before delegated/associated ones, then most populous first. */
function byRelevance(a: CommuneEntry, b: CommuneEntry): number {
  const rank = (e: CommuneEntry): number => (e.kind === 'C' || e.kind === 'M' ? 0 : 1);
  return (
    rank(a) - rank(b) ||
    (b.population ?? -1) - (a.population ?? -1) ||
    (a.commune.code < b.commune.code ? -1 : a.commune.code > b.commune.code ? 1 : 0)
  );
}

/** "1000" (a leading zero lost to a spreadsheet) → "01000"; anything but 5 digits → null. */
function normalizePostalCode(postalCode: string | null | undefined): string | null {
  const compact = (postalCode ?? '').replace(/\s+/g, '');
  if (/^\d{4}$/.test(compact)) return '0' + compact;
  return /^\d{5}$/.test(compact) ? compact : null;
}

/** Departments a postal code can belong to, from its prefix (used when the code itself is unknown). */
function departmentsOfPostalCode(postalCode: string): string[] {
  if (postalCode.startsWith('20')) return ['2A', '2B'];
  if (postalCode.startsWith('97') || postalCode.startsWith('98')) return [postalCode.slice(0, 3)];
  return [postalCode.slice(0, 2)];
}

/**
 * Read-only referentials shipped with the product: communes, departments, regions (INSEE COG
 * joined with La Poste's postal codes and GPS) and ROME 4.60 occupations.
 * Returned objects are frozen and shared: never mutate them.
 */
export class Referentials {
  private readonly communesByCode = new Map<string, CommuneEntry>();
  private readonly entriesByPostalCode = new Map<string, CommuneEntry[]>();
  private readonly entriesByName = new Map<string, CommuneEntry[]>();
  private readonly formerCodes: Record<string, string>;
  private readonly sortedCommunes: Commune[];
  private readonly departmentsByCode = new Map<string, Department>();
  private readonly regionsByCode = new Map<string, Region>();
  private readonly occupationsByCode = new Map<string, RomeOccupation>();

  constructor(files: ReferentialFiles) {
    for (const tuple of files.communes.communes) {
      const [code, name, postalCodes, departmentCode, regionCode, latitude, longitude, population, kind, , aliases] = tuple;
      const commune: Commune = Object.freeze({
        code,
        name,
        postalCodes: Object.freeze([...postalCodes]) as string[],
        departmentCode,
        regionCode,
        latitude,
        longitude,
      });
      const names = new Set([name, ...aliases].map(normalizePlaceName));
      const entry: CommuneEntry = { commune, kind, population, names };
      this.communesByCode.set(code, entry);
      for (const postalCode of postalCodes) pushTo(this.entriesByPostalCode, postalCode, entry);
      for (const normalised of names) pushTo(this.entriesByName, normalised, entry);
    }
    for (const list of this.entriesByPostalCode.values()) list.sort(byRelevance);
    for (const list of this.entriesByName.values()) list.sort(byRelevance);
    this.formerCodes = files.communes.formerCodes;
    this.sortedCommunes = [...this.communesByCode.values()]
      .map((e) => e.commune)
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

    for (const [code, name] of files.regions.regions) this.regionsByCode.set(code, Object.freeze({ code, name }));
    for (const [code, name, regionCode] of files.departments.departments) {
      this.departmentsByCode.set(code, Object.freeze({ code, name, regionCode }));
    }

    const domainLabels = new Map(files.rome.domains);
    const professionalLabels = new Map(files.rome.professionalDomains);
    for (const [code, label, domainCode, professionalDomainCode] of files.rome.occupations) {
      this.occupationsByCode.set(
        code,
        Object.freeze({
          code,
          label,
          domainCode,
          domainLabel: domainLabels.get(domainCode) ?? domainCode,
          professionalDomainCode,
          professionalDomainLabel: professionalDomainCode ? (professionalLabels.get(professionalDomainCode) ?? null) : null,
        }),
      );
    }
  }

  /** Loads the gzipped JSON files written by `npm run referentials:build` from a directory. */
  static fromDirectory(dir: string = SHIPPED_DATA_DIR): Referentials {
    const read = <T>(file: string): T => JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, file))).toString('utf8')) as T;
    return new Referentials({
      communes: read<CommunesFile>(COMMUNES_FILE),
      departments: read<DepartmentsFile>(DEPARTMENTS_FILE),
      regions: read<RegionsFile>(REGIONS_FILE),
      rome: read<RomeFile>(ROME_FILE),
    });
  }

  /** The commune (current, delegated, associated or arrondissement) with exactly this INSEE code. */
  commune(code: string): Commune | null {
    return this.communesByCode.get(code.trim().toUpperCase())?.commune ?? null;
  }

  /** Communes served by a postal code: current ones and arrondissements first, most populous first. */
  communesByPostalCode(postalCode: string): Commune[] {
    const normalised = normalizePostalCode(postalCode);
    return normalised ? (this.entriesByPostalCode.get(normalised) ?? []).map((e) => e.commune) : [];
  }

  /**
   * Best commune for a partner's location. A known INSEE code wins (a former code resolves to
   * its successor). Otherwise among the postal code's communes, the one named `city` (case,
   * accents, hyphens and SAINT/ST ignored), else the most populous current commune with
   * coordinates. An unknown postal code (CEDEX...) or none at all falls back to `city` alone,
   * within the postal code's department if any, when exactly one place bears that name.
   */
  resolveLocation(input: LocationInput): Commune | null {
    const code = input.communeCode?.trim().toUpperCase();
    if (code) {
      const entry = this.communesByCode.get(code) ?? this.communesByCode.get(this.formerCodes[code] ?? '');
      if (entry) return entry.commune;
    }

    const cityName = input.city ? normalizePlaceName(input.city) : '';
    const postalCode = normalizePostalCode(input.postalCode);
    const candidates = postalCode ? (this.entriesByPostalCode.get(postalCode) ?? []) : [];
    if (candidates.length > 0) {
      if (candidates.length === 1) return candidates[0].commune;
      const named = cityName ? candidates.find((e) => e.names.has(cityName)) : undefined;
      if (named) return named.commune;
      const fallback =
        candidates.find((e) => e.kind === 'C' && e.commune.latitude !== null) ?? candidates.find((e) => e.kind === 'C') ?? candidates[0];
      return fallback.commune;
    }

    if (!cityName) return null;
    let named = this.entriesByName.get(cityName) ?? [];
    if (postalCode) {
      const departments = departmentsOfPostalCode(postalCode);
      named = named.filter((e) => departments.includes(e.commune.departmentCode));
    }
    // Prefer current communes; a delegated one only when no current commune bears the name.
    const current = named.filter((e) => e.kind === 'C' || e.kind === 'M');
    const pool = current.length > 0 ? current : named;
    return pool.length === 1 ? pool[0].commune : null;
  }

  /** The department with this code ("74", "2A", "971"), or null. */
  department(code: string): Department | null {
    return this.departmentsByCode.get(code.trim().toUpperCase()) ?? null;
  }

  /** The region with this INSEE code ("84"), or null; overseas collectivities are their own region. */
  region(code: string): Region | null {
    return this.regionsByCode.get(code.trim()) ?? null;
  }

  /** All departments, sorted by code. */
  departments(): Department[] {
    return [...this.departmentsByCode.values()];
  }

  /** All regions, sorted by code. */
  regions(): Region[] {
    return [...this.regionsByCode.values()];
  }

  /** The ROME 4.60 occupation with this code ("M1805"), or null. */
  rome(code: string): RomeOccupation | null {
    return this.occupationsByCode.get(code.trim().toUpperCase()) ?? null;
  }

  /** All ROME 4.60 occupations, sorted by code. */
  romeCodes(): RomeOccupation[] {
    return [...this.occupationsByCode.values()];
  }

  /**
   * Every commune entry sorted by code; `currentOnly` keeps current communes (no delegated or
   * associated communes, no arrondissements), which is what a generator of plausible places wants.
   */
  allCommunes(options: { currentOnly?: boolean } = {}): Commune[] {
    if (!options.currentOnly) return [...this.sortedCommunes];
    return this.sortedCommunes.filter((c) => this.communesByCode.get(c.code)!.kind === 'C');
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

let instance: Referentials | null = null;

/** The process-wide referentials, loaded from SHIPPED_DATA_DIR on first use (about 0.5 s). */
export function getReferentials(): Referentials {
  instance ??= Referentials.fromDirectory(SHIPPED_DATA_DIR);
  return instance;
}
