import { httpUrlAsWritten } from '../../lib/http-url';
import { getReferentials } from '../../referentials/referential.service';
import type { ContractType, SalaryInput } from '../../__generated__/resolvers-types';
import { cleanLine } from './france-travail.mapper';
import type { InputErrorModel, OfferInput } from '../ingestion.types';
import { normalizeExternalId } from '../offer-validation';
import type { ParsedSalary } from '../../lib/salary-parser';
import { problem } from './feed-item';

/**
 * Mapping rules shared by the feed parsers. The rule of thumb: a value the service can validate
 * is passed on as the feed wrote it (whitespace aside), so that a partner reads the same error
 * messages as with the upsertOffers mutation; a problem is raised here only for what the service
 * cannot see (a contract type we cannot translate, a date we cannot read, a job abroad...).
 */

/** No cut: lengths are the service's business (it reports TOO_LONG rather than truncating). */
const NO_LIMIT = 1_000_000;

/** A one-line text (white space collapsed, invisible characters out), or null. */
export function oneLine(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  return cleanLine(value, NO_LIMIT);
}

/**
 * A feed item's externalId, or null: as the upsertOffers mutation keys it (normalizeExternalId:
 * control characters out, trimmed), not as oneLine cleans text. The same reference then names the
 * same offer whether a partner pushes it or a feed lists it, and --sync keeps exactly the stored ids
 * the feed lists (a zero-width character or an NFD accent inside an id is part of the id).
 */
export function feedExternalId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return normalizeExternalId(value) || null;
}

/**
 * A feed's URL field, on one line, as written when it is an absolute http(s) URL, else null: it may
 * key the posting (lib/http-url.ts); offer validation normalises the URLs it stores.
 */
export function feedUrl(value: unknown): string | null {
  return httpUrlAsWritten(oneLine(value));
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** RFC 822 / 2822, as in RSS and many Indeed feeds: "Fri, 10 Dec 2008 22:49:39 GMT". */
const RFC_822 = /^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[A-Za-z]{1,5}|[+-]\d{4})?$/;
/** French day-first dates: "14/11/2016", "14-11-2016", "14.11.2016". */
const FRENCH_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

function utcDay(year: number, month: number, day: number): Date | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

/** Reads a date in one of the formats feeds use; null for anything else. */
export function readFeedDate(text: string): Date | null {
  let date: Date | null = null;
  const day = ISO_DATE.exec(text);
  const french = FRENCH_DATE.exec(text);
  const dateTime = ISO_DATE_TIME.exec(text);
  if (day) date = utcDay(Number(day[1]), Number(day[2]), Number(day[3]));
  else if (french) date = utcDay(Number(french[3]), Number(french[2]), Number(french[1]));
  // A date-time without a zone is read as UTC, so that the same feed always gives the same instant.
  else if (dateTime) date = new Date(text.replace(' ', 'T') + (dateTime[1] ? '' : 'Z'));
  else if (RFC_822.test(text)) date = new Date(text);
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/**
 * A date of the feed: ISO 8601 (a day is midnight UTC; a time without zone is UTC), RFC 822 as in
 * RSS, or a French day-first date (14/11/2016). Anything else is a problem rather than "now": a
 * wrong publication date would push the offer to the top of "newest first", and a guessed end
 * date could hide it or keep it alive. (JavaScript's own Date parser is not used on its own: it
 * reads "le 3 mars" as March 3rd, 2001.)
 */
export function feedDate(value: unknown, field: string, problems: InputErrorModel[]): Date | undefined {
  const text = oneLine(value);
  if (!text) return undefined;
  const date = readFeedDate(text);
  if (!date) {
    problems.push(
      problem(field, 'INVALID_DATE', `${field}: "${text}" is not a date we can read (ISO 8601 such as 2025-08-04, or 04/08/2025)`),
    );
    return undefined;
  }
  return date;
}

/**
 * Text a broken template printed instead of a value: `'.{"id":4,"title":"Extra"}->title.'`
 * (a PHP expression left unevaluated, the whole cookorico feed has it in jobtype, experience and
 * education). The value meant is unambiguous, so it is recovered: `Extra`.
 * Returns the text itself when it is not template residue, null when it is but cannot be recovered.
 */
export function recoverTemplateText(raw: string): string | null {
  const text = raw.trim();
  const template = /^'?\s*\.?\s*(\{[\s\S]*\})\s*->\s*([A-Za-z_]\w*)\s*\.?\s*'?$/.exec(text);
  if (!template) return /^'\.|\}\s*->\s*\w|<\?php|\{\{[\s\S]*\}\}|\$\{\w/.test(text) ? null : text;
  try {
    const object = JSON.parse(template[1]) as Record<string, unknown>;
    const value = object?.[template[2]];
    return typeof value === 'string' && value.trim() ? value.trim() : null;
  } catch {
    return null;
  }
}

/** Lower case, accents and punctuation out: "Intérim / Travail temporaire" → "interim travail temporaire". */
function normalize(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

type ContractWord = ContractType | 'INTERNSHIP' | 'VOLUNTEER';

/**
 * Words of contract types as job boards write them, French and English, schema.org
 * employmentType and Indeed jobtype values included. In precedence order: when a text names
 * several, the first listed wins, so that "CDD / CDI" never claims a permanent job and
 * "Apprentissage (CDD)" is the work-study contract, as mapContractType does for France Travail.
 */
const CONTRACT_WORDS: ReadonlyArray<[RegExp, ContractWord]> = [
  // A "CDI intérimaire" is a permanent contract with a temp agency (France Travail's DIN).
  [/\bcdi (?:interimaire|interim)\b/, 'PERMANENT'],
  [
    /\b(?:apprenti|apprentie|apprentissage|apprenticeship|alternance|alternant|contrat pro|contrat de professionnalisation|professionnalisation|work study)\b/,
    'APPRENTICESHIP',
  ],
  [/\b(?:saisonnier|saisonniere|saison|seasonal|sai)\b/, 'SEASONAL'],
  [/\b(?:interim|interimaire|travail temporaire|temporaire|temporary|temp|mis)\b/, 'TEMPORARY'],
  // "Extra": hospitality's one-off shifts, hired on a CDD d'usage. "Per diem" (schema.org
  // PER_DIEM) is the same day-by-day hiring. Indeed's "contract" is what Indeed France calls CDD.
  [/\b(?:cdd|duree determinee|fixed term|contract|extras?|per diem|vacataire|vacation)\b/, 'FIXED_TERM'],
  [
    /\b(?:freelance|free lance|independant|independante|auto entrepreneur|micro entrepreneur|contractor|profession liberale|liberal|franchise)\b/,
    'FREELANCE',
  ],
  [/\b(?:cdi|duree indeterminee|permanent|regular)\b/, 'PERMANENT'],
  [/\b(?:stage|stagiaire|intern|internship|trainee|traineeship)\b/, 'INTERNSHIP'],
  [/\b(?:benevole|benevolat|volunteer|volontariat|service civique)\b/, 'VOLUNTEER'],
];
const FULL_TIME = /\b(?:full ?time|fulltime|temps plein|temps complet)\b/;
const PART_TIME = /\b(?:part ?time|parttime|temps partiel|mi temps)\b/;

/** Contract types listed in messages. */
const OUR_CONTRACT_TYPES = 'CDI, CDD, intérim, saisonnier, alternance, freelance';

export interface ContractMapping {
  contractType: ContractType | null;
  fullTime: boolean | null;
  problem: InputErrorModel | null;
}

/**
 * Translates what a feed says of the contract (schema.org employmentType, Indeed jobtype: one
 * value or several) into a contract type and full-time flag.
 * - A contract word wins (see CONTRACT_WORDS for precedence).
 * - Working time alone (FULL_TIME, "fulltime", "Temps plein") means a regular job: PERMANENT.
 *   Both vocabularies have their own values for every other kind of work (TEMPORARY, CONTRACTOR,
 *   INTERN, SEASONAL, PER_DIEM / contract, temporary, internship), so a posting that uses none
 *   of them is a standard employment.
 * - Internships and volunteering are not employment contracts: UNMAPPABLE (Passerelle carries
 *   job offers only, like France Travail's référentiel typesContrats).
 * - Nothing recognisable (OTHER, broken text): UNMAPPABLE; nothing at all: REQUIRED.
 */
export function mapContract(values: readonly string[], sourceField: string): ContractMapping {
  const texts = values.map((v) => v.trim()).filter(Boolean);
  if (texts.length === 0) {
    return {
      contractType: null,
      fullTime: null,
      problem: problem(
        'contractType',
        'REQUIRED',
        `contractType: the feed gives no ${sourceField}; say which contract it is (${OUR_CONTRACT_TYPES})`,
      ),
    };
  }
  const normalized = normalize(texts.join(' , '));
  const full = FULL_TIME.test(normalized);
  const part = PART_TIME.test(normalized);
  const fullTime = full && !part ? true : part && !full ? false : null;
  const found = CONTRACT_WORDS.find(([pattern, word]) => pattern.test(normalized) && word !== 'INTERNSHIP' && word !== 'VOLUNTEER');
  if (found) return { contractType: found[1] as ContractType, fullTime, problem: null };
  const quoted = texts.map((t) => `"${t}"`).join(', ');
  const other = CONTRACT_WORDS.find(([pattern]) => pattern.test(normalized))?.[1];
  if (other === 'INTERNSHIP' || other === 'VOLUNTEER') {
    const what = other === 'INTERNSHIP' ? 'an internship (stage)' : 'volunteering';
    return {
      contractType: null,
      fullTime,
      problem: problem(
        'contractType',
        'UNMAPPABLE',
        `contractType: ${sourceField} ${quoted} is ${what}, not an employment contract; Passerelle publishes job offers only`,
      ),
    };
  }
  if (full || part) return { contractType: 'PERMANENT', fullTime, problem: null };
  return {
    contractType: null,
    fullTime: null,
    problem: problem(
      'contractType',
      'UNMAPPABLE',
      `contractType: ${sourceField} ${quoted} is not a contract type we know (${OUR_CONTRACT_TYPES})`,
    ),
  };
}

/** A ROME code ("M1805"), also at the start of a label ("M1805 - Études et développement"); else null. */
export function romeCodeOf(value: unknown): string | null {
  const text = oneLine(value);
  const match = text ? /^([A-N]\d{4})\b/i.exec(text) : null;
  return match ? match[1].toUpperCase() : null;
}

/**
 * The salary to send: amounts only with a period the service knows (HOUR, MONTH, YEAR), since an
 * amount without a period is rejected; a day or week rate, or an amount whose period cannot be
 * told, keeps its label only.
 */
export function salaryInput(
  parsed: (Pick<ParsedSalary, 'min' | 'max' | 'period' | 'label'> & { currency: string | null }) | null,
): SalaryInput | undefined {
  if (!parsed) return undefined;
  const hasAmount = parsed.min !== null || parsed.max !== null;
  if (hasAmount && parsed.period) {
    return {
      ...(parsed.min !== null ? { min: parsed.min } : {}),
      ...(parsed.max !== null ? { max: parsed.max } : {}),
      ...(parsed.currency ? { currency: parsed.currency } : {}),
      period: parsed.period,
      label: parsed.label,
    };
  }
  return parsed.label ? { label: parsed.label } : undefined;
}

/** Country names and codes that mean France (the hub resolves French communes only), overseas departments included. */
const FRANCE = new Set([
  'fr',
  'fra',
  'france',
  'france metropolitaine',
  'gp',
  'mq',
  'gf',
  're',
  'yt',
  'guadeloupe',
  'martinique',
  'guyane',
  'la reunion',
  'reunion',
  'mayotte',
]);

/**
 * A problem when the feed places the job outside France: its postal code would otherwise be
 * looked up among French ones (a US ZIP code 10001 is also a French postal code).
 */
export function countryProblem(country: unknown): InputErrorModel | null {
  const text = oneLine(country);
  if (!text || FRANCE.has(normalize(text))) return null;
  return problem('location', 'UNSUPPORTED_COUNTRY', `location: the job is in "${text}"; Passerelle publishes jobs located in France only`);
}

/** Titles of obvious test postings ("test", "Essai 2"), which must not reach job seekers. */
const TEST_TITLE = /^(?:test|tests|essai|annonce test|offre test|test offre|ne pas postuler)(?: ?\d+)?$/;

/**
 * Checks that apply to every format, run once the input is built. Also completes a location that
 * names only a city: feeds often leave the postal code empty, and a city name that only one French
 * commune bears is as good as its code. (The API itself requires a code: this is the importer's help.)
 */
export function finalProblems(input: OfferInput): InputErrorModel[] {
  const location = input.location;
  if (location && !location.postalCode && !location.communeCode && location.city) {
    const commune = getReferentials().resolveLocation({ city: location.city });
    if (commune) location.communeCode = commune.code;
  }
  if (TEST_TITLE.test(normalize(input.title ?? ''))) {
    return [problem('title', 'TEST_POSTING', `title: "${input.title}" looks like a test posting; it is not published`)];
  }
  return [];
}

/** The parts of an offer a feed parser has read; null or empty parts are left out of the input. */
export interface OfferInputParts {
  externalId: string;
  title: string | null;
  description: string;
  contract: { contractType: ContractType; fullTime: boolean | null };
  location: OfferInput['location'];
  employer?: OfferInput['employer'];
  salary?: SalaryInput | null;
  romeCode?: string | null;
  publishedAt?: Date | null;
  validThrough?: Date | null;
  applyUrl?: string | null;
  experience?: string | null;
}

/** Assembles an OfferInput from a parser's parts, in one field order for every format. */
export function buildOfferInput(p: OfferInputParts): OfferInput {
  return {
    externalId: p.externalId,
    title: p.title ?? '',
    description: p.description,
    contractType: p.contract.contractType,
    ...(p.contract.fullTime !== null ? { fullTime: p.contract.fullTime } : {}),
    location: p.location,
    ...(p.employer ? { employer: p.employer } : {}),
    ...(p.salary ? { salary: p.salary } : {}),
    ...(p.romeCode ? { romeCode: p.romeCode } : {}),
    ...(p.publishedAt ? { publishedAt: p.publishedAt } : {}),
    ...(p.validThrough ? { validThrough: p.validThrough } : {}),
    ...(p.applyUrl ? { applyUrl: p.applyUrl } : {}),
    // The service's limit is 32 characters: a longer free text is a sentence, not a level.
    ...(p.experience && p.experience.length <= 32 ? { experienceLevel: p.experience } : {}),
  };
}
