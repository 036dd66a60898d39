import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ContractType } from '../../../entities/offers/offer.entity';
import { SHIPPED_DATA_DIR } from '../../lib/paths';
import { normalizePlaceName } from '../../referentials/geo';
import { getReferentials } from '../../referentials/referential.service';
import type { Commune } from '../../referentials/referential.types';
import { parseSalary, yearlySalary, type ParsedSalary } from '../../lib/salary-parser';
import type { OfferRow } from '../../db/offer-row';

/** A partner job board named in `origineOffre.partenaires`. */
export interface FranceTravailPartner {
  nom: string;
  url?: string;
  logo?: string;
}

/**
 * The fields of a France Travail "API Offres d'emploi v2" offer that we read (the real payload
 * carries more: competences, formations, qualification...). Everything but `id` and `intitule`
 * may be missing in real data.
 */
export interface FranceTravailOffer {
  id: string;
  intitule: string;
  description?: string;
  /** ISO 8601, e.g. "2025-08-04T18:00:50.137Z". */
  dateCreation?: string;
  dateActualisation?: string;
  lieuTravail?: {
    /** "74 - COMBLOUX", or only a department ("74 - Savoie (Haute)"), a region, "France"... */
    libelle?: string;
    latitude?: number;
    longitude?: number;
    codePostal?: string;
    /** INSEE code. */
    commune?: string;
  };
  romeCode?: string;
  romeLibelle?: string;
  appellationlibelle?: string;
  entreprise?: { nom?: string; url?: string; logo?: string; description?: string };
  /** Référentiel typesContrats: CDI, CDD, MIS, SAI, DIN, DDI, TTI, CCE, FRA, LIB, REP. */
  typeContrat?: string;
  typeContratLibelle?: string;
  /** "Contrat travail", "Contrat apprentissage", "Cont. professionnalisation", "Emploi non salarié"... */
  natureContrat?: string;
  /** D: débutant accepté, S: expérience souhaitée, E: expérience exigée. */
  experienceExige?: string;
  experienceLibelle?: string;
  salaire?: { libelle?: string; commentaire?: string; complement1?: string; complement2?: string };
  dureeTravailLibelle?: string;
  /** "Temps plein" or "Temps partiel". */
  dureeTravailLibelleConverti?: string;
  alternance?: boolean;
  origineOffre?: {
    /** "1": France Travail, "2": a partner. */
    origine?: string;
    urlOrigine?: string;
    partenaires?: FranceTravailPartner[];
  };
}

/** The publisher of a partner offer, as the seeder upserts it into `partner`. */
export interface MappedPartner {
  /** Stable slug of the France Travail partner name: "DIGITAL RECRUITERS" → "digital-recruiters". */
  code: string;
  name: string;
  website: string | null;
  logoUrl: string | null;
}

export interface MappedOffer {
  /** Null for France Travail's own (agency) offers. */
  partner: MappedPartner | null;
  row: OfferRow;
}

/** The real offers shipped with the product (see `npm run demo:pack`). */
export const SHIPPED_FRANCE_TRAVAIL_OFFERS = path.join(SHIPPED_DATA_DIR, 'france-travail-offers.json.gz');

/** Reads the shipped France Travail offers (a fresh array on each call: callers may mutate it). */
export function loadShippedFranceTravailOffers(file: string = SHIPPED_FRANCE_TRAVAIL_OFFERS): FranceTravailOffer[] {
  const parsed: unknown = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of France Travail offers`);
  return parsed as FranceTravailOffer[];
}

// ---------------------------------------------------------------------------------------------
// Small normalisers

/** Control and zero-width characters, which have no place in a one-line field. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]/g;

/** One-line text: invisible characters out, whitespace collapsed, cut to `max` code points. */
export function cleanLine(value: string | null | undefined, max: number): string | null {
  if (value == null) return null;
  const text = String(value).normalize('NFC').replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const chars = Array.from(text);
  return chars.length <= max
    ? text
    : chars
        .slice(0, max - 1)
        .join('')
        .trimEnd() + '…';
}

/** Multi-line text: line breaks kept (as \n), other control characters out. */
function cleanText(value: string | null | undefined): string {
  if (value == null) return '';
  return String(value)
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2060\ufeff]/g, '')
    .trim();
}

/** An absolute http(s) URL of at most `max` characters, or null. */
function cleanUrl(value: string | null | undefined, max: number): string | null {
  const text = value?.trim();
  if (!text || text.length > max) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? text : null;
  } catch {
    return null;
  }
}

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function isCoordinate(value: unknown, limit: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit;
}

/** FNV-1a, 32 bits: a cheap stable hash (not for security). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Partner

/** Brand spellings that title-casing cannot guess. */
const PARTNER_NAMES: Record<string, string> = {
  PMEJOB: 'PMEjob',
  CARREFOURFRANCE: 'Carrefour France',
  LABONNEALTERNANCE: 'La bonne alternance',
};

/** "DIGITAL RECRUITERS" → "digital-recruiters", "ADECCO_MEDICAL" → "adecco-medical". */
export function partnerCode(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A display name for France Travail's partner label: "METEOJOB" → "Meteojob",
 * "ADECCO_MEDICAL" → "Adecco Medical"; a name already in mixed case ("SAP SuccessFactors",
 * "Industrie Recrute") is kept as written.
 */
export function partnerDisplayName(name: string): string {
  const compact = name.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  const known = PARTNER_NAMES[compact.toUpperCase().replace(/ /g, '')];
  if (known) return known;
  if (/\p{Ll}/u.test(compact)) return compact;
  return compact.toLowerCase().replace(/(^|[\s\-'/&])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
}

function originOf(url: string | undefined): string | null {
  const valid = cleanUrl(url, 2000);
  return valid ? new URL(valid).origin : null;
}

function mapPartner(partner: FranceTravailPartner | undefined): MappedPartner | null {
  const name = cleanLine(partner?.nom, 128);
  if (!partner || !name) return null;
  const code = partnerCode(name);
  if (!code) return null;
  return {
    code,
    name: partnerDisplayName(name),
    website: originOf(partner.url),
    logoUrl: cleanUrl(partner.logo, 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Contract, experience, working time

/**
 * France Travail's référentiel typesContrats → our contract types. DIN ("CDI intérimaire") is a
 * permanent employment contract with a temp agency (paid between missions), so PERMANENT;
 * DDI ("CDD insertion") and TTI ("contrat de travail temporaire d'insertion") are the work-
 * integration variants of CDD and intérim; CCE ("profession commerciale": commercial agents),
 * FRA (franchise), LIB (profession libérale) and REP (reprise d'entreprise) are not salaried
 * jobs, which FREELANCE stands for.
 */
const CONTRACT_TYPES: Record<string, ContractType> = {
  CDI: 'PERMANENT',
  DIN: 'PERMANENT',
  CDD: 'FIXED_TERM',
  DDI: 'FIXED_TERM',
  MIS: 'TEMPORARY',
  TTI: 'TEMPORARY',
  SAI: 'SEASONAL',
  CCE: 'FREELANCE',
  FRA: 'FREELANCE',
  LIB: 'FREELANCE',
  REP: 'FREELANCE', // "reprise d'entreprise": taking over a business
};

export function mapContractType(raw: Pick<FranceTravailOffer, 'typeContrat' | 'natureContrat' | 'alternance'>): ContractType {
  // Apprenticeship and professionalisation contracts are CDDs (sometimes CDIs) in typeContrat:
  // the work-study flag is what a job seeker filters on.
  if (raw.alternance === true || /apprentissage|professionnalisation/i.test(raw.natureContrat ?? '')) {
    return 'APPRENTICESHIP';
  }
  const mapped = CONTRACT_TYPES[(raw.typeContrat ?? '').trim().toUpperCase()];
  if (mapped) return mapped;
  // An unknown code: never claim a permanent job we are not sure of.
  return /non salari/i.test(raw.natureContrat ?? '') ? 'FREELANCE' : 'FIXED_TERM';
}

/** experienceExige, with France Travail's own meaning in the value (all fit varchar(32)). */
const EXPERIENCE_LEVELS: Record<string, string> = {
  D: 'BEGINNER_ACCEPTED',
  S: 'EXPERIENCE_PREFERRED',
  E: 'EXPERIENCE_REQUIRED',
};

function mapFullTime(converted: string | undefined): boolean | null {
  const value = (converted ?? '').trim().toLowerCase();
  if (value === 'temps plein') return true;
  if (value === 'temps partiel') return false;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Location

type LocationColumns = Pick<
  OfferRow,
  'locationLabel' | 'communeCode' | 'postalCode' | 'city' | 'departmentCode' | 'regionCode' | 'latitude' | 'longitude'
>;

const DEPARTMENT_PREFIX = /^\s*(\d{2}|2[AB]|97\d)\s*-\s*(.*)$/i;

function regionCodeByName(label: string): string | null {
  const wanted = normalizePlaceName(label);
  if (!wanted) return null;
  const region = getReferentials()
    .regions()
    .find((r) => normalizePlaceName(r.name) === wanted);
  return region?.code ?? null;
}

function mapLocation(lieu: FranceTravailOffer['lieuTravail']): LocationColumns {
  const refs = getReferentials();
  const label = cleanLine(lieu?.libelle, 255);
  const prefix = label ? DEPARTMENT_PREFIX.exec(label) : null;
  const ownLat = isCoordinate(lieu?.latitude, 90) && isCoordinate(lieu?.longitude, 180) ? lieu!.latitude! : null;
  const ownLon = ownLat !== null ? lieu!.longitude! : null;
  const rawCommune = lieu?.commune?.trim() || null;
  const rawPostal = /^\d{5}$/.test(lieu?.codePostal?.trim() ?? '') ? lieu!.codePostal!.trim() : null;

  let commune: Commune | null = null;
  if (rawCommune || rawPostal) {
    commune = refs.resolveLocation({ communeCode: rawCommune, postalCode: rawPostal, city: prefix ? prefix[2] : label });
  }

  if (commune) {
    return {
      locationLabel: label,
      communeCode: commune.code,
      postalCode: rawPostal ?? commune.postalCodes[0] ?? null,
      city: commune.name,
      departmentCode: commune.departmentCode,
      regionCode: commune.regionCode,
      // France Travail geocodes the workplace itself; the commune centre is only a fallback.
      latitude: ownLat ?? commune.latitude,
      longitude: ownLon ?? commune.longitude,
    };
  }

  // No usable commune: "74 - Savoie (Haute)" still gives a department (and its region),
  // "Auvergne-Rhône-Alpes" a region; "France" or "Suisse (Frontalier)" nothing.
  let departmentCode: string | null = null;
  let regionCode: string | null = null;
  const departmentHint = prefix?.[1].toUpperCase() ?? (rawCommune && /^(\d{2}|2[AB])/.exec(rawCommune)?.[0]) ?? null;
  const department = departmentHint ? refs.department(departmentHint) : null;
  if (department) {
    departmentCode = department.code;
    regionCode = department.regionCode;
  } else if (label && !prefix) {
    regionCode = regionCodeByName(label);
  }
  return {
    locationLabel: label,
    communeCode: null,
    postalCode: rawPostal,
    city: null,
    departmentCode,
    regionCode,
    latitude: ownLat,
    longitude: ownLon,
  };
}

// ---------------------------------------------------------------------------------------------
// Salary

/**
 * `salaire.libelle` is France Travail's structured salary; when it is missing or has no amount,
 * the publisher's free-text `commentaire` ("1700€ net pour 39h/semaine") is the next best source.
 * complement1/complement2 only list benefits ("Mutuelle", "Primes"): never a salary.
 */
function pickSalary(salaire: FranceTravailOffer['salaire']): ParsedSalary | null {
  const fromLabel = parseSalary(salaire?.libelle);
  if (fromLabel && (fromLabel.min !== null || fromLabel.max !== null)) return fromLabel;
  const fromComment = parseSalary(salaire?.commentaire);
  if (fromComment && (fromComment.min !== null || fromComment.max !== null)) return fromComment;
  return fromLabel ?? fromComment;
}

// ---------------------------------------------------------------------------------------------

/** Share of agency offers flagged reserved for job seekers (see mapFranceTravailOffer). */
const RESERVED_PER_CENT = 10;

/**
 * Turns one France Travail v2 offer into an offer row and, for an offer re-routed from a partner
 * job board, the partner that published it (the first of `origineOffre.partenaires`).
 * Location goes through the referentials (INSEE code, else postal code), salary through
 * parseSalary. Pure apart from the referentials: the same offer always gives the same row.
 * `now` only stands in for a missing or invalid `dateCreation`.
 */
export function mapFranceTravailOffer(raw: FranceTravailOffer, now: Date): MappedOffer {
  const externalId = cleanLine(raw.id, 128);
  if (!externalId) throw new Error('France Travail offer without id');

  const partner = mapPartner(raw.origineOffre?.partenaires?.[0]);
  const salary = pickSalary(raw.salaire);
  const publishedAt = parseDate(raw.dateCreation) ?? now;
  const actualised = parseDate(raw.dateActualisation);
  const updatedAt = actualised && actualised > publishedAt ? actualised : publishedAt;
  const romeCode = (raw.romeCode ?? '').trim().toUpperCase();
  const hasAmount = salary !== null && (salary.min !== null || salary.max !== null);
  const applyUrl =
    (partner ? cleanUrl(raw.origineOffre?.partenaires?.[0]?.url, 1000) : null) ?? cleanUrl(raw.origineOffre?.urlOrigine, 1000);

  const row: OfferRow = {
    source: partner ? 'PARTNER' : 'AGENCY',
    externalId,
    title:
      cleanLine(raw.intitule, 255) ?? cleanLine(raw.appellationlibelle, 255) ?? cleanLine(raw.romeLibelle, 255) ?? `Offre ${externalId}`,
    description: cleanText(raw.description),
    romeCode: /^[A-N]\d{4}$/.test(romeCode) ? romeCode : null,
    employerName: cleanLine(raw.entreprise?.nom, 255),
    employerUrl: cleanUrl(raw.entreprise?.url, 500),
    ...mapLocation(raw.lieuTravail),
    contractType: mapContractType(raw),
    fullTime: mapFullTime(raw.dureeTravailLibelleConverti),
    salaryMin: salary?.min ?? null,
    salaryMax: salary?.max ?? null,
    salaryCurrency: hasAmount ? salary.currency : null,
    salaryPeriod: salary?.period ?? null,
    salaryLabel: salary?.label ?? null,
    // A yearly floor in another currency would compare wrongly with euros: leave it out.
    salaryYearlyMin: hasAmount && salary.currency === 'EUR' ? yearlySalary(salary.min ?? salary.max, salary.period) : null,
    experienceLevel: EXPERIENCE_LEVELS[(raw.experienceExige ?? '').trim().toUpperCase()] ?? null,
    publishedAt,
    updatedAt,
    validThrough: null, // France Travail publishes no end date
    status: 'ACTIVE',
    applyUrl,
    // SYNTHETIC: France Travail's public data does not say which offers are reserved for job
    // seekers. For the demo, partner offers never are and a stable ~10 % of agency offers are,
    // chosen by a hash of the id so that every seed run flags the same offers.
    reservedForJobseekers: !partner && fnv1a(externalId) % 100 < RESERVED_PER_CENT,
    contentHash: null,
  };
  return { partner, row };
}
