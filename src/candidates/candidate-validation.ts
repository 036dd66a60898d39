import { CONTRACT_TYPES, CONTROL_CHARS } from '../ingestion/offer-validation';
import { locationColumns, type LocationColumns } from '../referentials/geo';
import sanitizeHtml from 'sanitize-html';
import type { ContractType, CvEducation, CvExperience, CvTermKind } from '../../entities';
import type { CvInput } from '../__generated__/resolvers-types';
import { BadUserInputError } from '../errors';
import { getReferentials } from '../referentials/referential.service';
import { CV_LIMITS } from './candidate.types';

const CANDIDATE_REF = /^[\x21-\x7e]{1,64}$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;
const PHONE = /^\+?[0-9]{6,15}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The columns of a CV computed from its input (everything but ids and timestamps). */
export interface ValidatedCv extends LocationColumns {
  candidateRef: string;
  headline: string;
  summary: string | null;
  skills: string[];
  romeCodes: string[];
  experiences: CvExperience[];
  education: CvEducation[];
  languages: string[];
  drivingLicences: string[];
  desiredContractTypes: ContractType[];
  mobilityRadiusKm: number;
  availableFrom: string | null;
  searchText: string;
  /** Rows of candidate_cv_term. */
  terms: Array<{ kind: CvTermKind; value: string }>;
  /** Null: no contact row. */
  contact: { name: string | null; email: string | null; phone: string | null } | null;
}

/** Plain text: tags out (when there are any), control characters out, white space collapsed. */
export function plainText(value: string, keepNewlines = false): string {
  const text = /[<>&]/.test(value)
    ? sanitizeHtml(value, { allowedTags: [], allowedAttributes: {} })
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
    : value;
  const clean = text.replace(CONTROL_CHARS, '');
  return keepNewlines
    ? clean
        .split(/\r?\n/)
        .map((line) => line.replace(/\s+/g, ' ').trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : clean.replace(/\s+/g, ' ').trim();
}

/** Lower-case, accent-free, single-spaced: how skills are compared and keywords matched. */
export function normalizeSkill(value: string): string {
  return plainText(value)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The keyword-searchable text of a CV: its words, normalised, each preceded by a space. */
export function cvSearchText(parts: Array<string | null | undefined>): string {
  const words = parts
    .filter((p): p is string => !!p)
    .join(' ')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return words.length ? ` ${words.join(' ')}` : '';
}

/** A Date scalar value as YYYY-MM-DD (graphql-scalars hands a Date, the generated types say string). */
export function dateOnly(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = value instanceof Date ? (Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10)) : String(value);
  if (!DATE.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)))
    throw new BadUserInputError(`${field}: not a date (YYYY-MM-DD)`, field);
  return text;
}

function text(
  value: string | null | undefined,
  field: string,
  max: number,
  opts: { required?: boolean; multiline?: boolean } = {},
): string | null {
  const clean = value === null || value === undefined ? '' : plainText(value, opts.multiline);
  if (!clean) {
    if (opts.required) throw new BadUserInputError(`${field} is required`, field);
    return null;
  }
  if (clean.length > max) throw new BadUserInputError(`${field}: at most ${max} characters`, field);
  return clean;
}

function list<T>(values: readonly T[] | null | undefined, field: string, max: number): readonly T[] {
  if (!values) return [];
  if (values.length > max) throw new BadUserInputError(`${field}: at most ${max} values`, field);
  return values;
}

/** Distinct non-empty strings, in input order, each at most `max` characters. */
function textList(values: readonly string[] | null | undefined, field: string, maxItems: number, max: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  list(values, field, maxItems).forEach((value, i) => {
    const clean = text(value, `${field}[${i}]`, max);
    const key = clean === null ? '' : normalizeSkill(clean);
    if (clean !== null && key && !seen.has(key)) {
      seen.add(key);
      out.push(clean);
    }
  });
  return out;
}

function contactOf(input: CvInput['contact']): ValidatedCv['contact'] {
  if (!input) return null;
  const name = text(input.name, 'input.contact.name', CV_LIMITS.contactName);
  const emailText = input.email?.trim() || null;
  if (emailText && (emailText.length > CV_LIMITS.email || !EMAIL.test(emailText)))
    throw new BadUserInputError('input.contact.email: not an email address', 'input.contact.email');
  const phoneText = input.phone?.trim() || null;
  const phone = phoneText ? phoneText.replace(/[\s.\-()]/g, '') : null;
  if (phone !== null && !PHONE.test(phone))
    throw new BadUserInputError('input.contact.phone: 6 to 15 digits, optionally after a +', 'input.contact.phone');
  if (name === null && emailText === null && phone === null) return null;
  return { name, email: emailText?.toLowerCase() ?? null, phone };
}

/**
 * Validates and normalises a CVInput. Pure apart from the referentials. The first problem found is
 * a BAD_USER_INPUT naming its field (`input.location.postalCode`, `input.experiences[2].to`, ...).
 */
export function validateCvInput(input: CvInput): ValidatedCv {
  const candidateRef = (input.candidateRef ?? '').trim();
  if (!CANDIDATE_REF.test(candidateRef))
    throw new BadUserInputError(`input.candidateRef: 1 to ${CV_LIMITS.candidateRef} visible characters, no spaces`, 'input.candidateRef');
  const headline = text(input.headline, 'input.headline', CV_LIMITS.headline, { required: true })!;
  const summary = text(input.summary, 'input.summary', CV_LIMITS.summary, { multiline: true });
  const skills = textList(input.skills, 'input.skills', CV_LIMITS.skills, CV_LIMITS.skill);

  const referentials = getReferentials();
  const romeCodes = [...new Set(list(input.romeCodes, 'input.romeCodes', CV_LIMITS.romeCodes).map((c) => c.trim().toUpperCase()))];
  const unknownRome = romeCodes.find((code) => !referentials.rome(code));
  if (unknownRome !== undefined)
    throw new BadUserInputError(`input.romeCodes: "${unknownRome}" is not a ROME 4.60 code`, 'input.romeCodes');

  const location = input.location ?? {};
  const postalCode = location.postalCode?.trim() || null;
  const communeCode = location.communeCode?.trim().toUpperCase() || null;
  if (!postalCode && !communeCode)
    throw new BadUserInputError('input.location needs a postalCode or an INSEE communeCode', 'input.location.postalCode');
  if (communeCode && !referentials.commune(communeCode) && !referentials.resolveLocation({ communeCode })) {
    throw new BadUserInputError(`input.location.communeCode: "${communeCode}" is not an INSEE commune code`, 'input.location.communeCode');
  }
  const commune = referentials.resolveLocation({ postalCode, communeCode, city: location.city ? plainText(location.city) : null });
  if (!commune)
    throw new BadUserInputError(`input.location.postalCode: "${postalCode}" is not a French postal code`, 'input.location.postalCode');

  const mobilityRadiusKm = input.mobilityRadiusKm ?? CV_LIMITS.defaultMobilityRadiusKm;
  if (!Number.isInteger(mobilityRadiusKm) || mobilityRadiusKm < 0 || mobilityRadiusKm > CV_LIMITS.maxMobilityRadiusKm) {
    throw new BadUserInputError(`input.mobilityRadiusKm: 0 to ${CV_LIMITS.maxMobilityRadiusKm}`, 'input.mobilityRadiusKm');
  }
  const desiredContractTypes = [...new Set(input.desiredContractTypes ?? [])];
  const badContract = desiredContractTypes.find((c) => !CONTRACT_TYPES.has(c));
  if (badContract !== undefined)
    throw new BadUserInputError(`input.desiredContractTypes: "${badContract}" is not a contract type`, 'input.desiredContractTypes');

  const experiences: CvExperience[] = list(input.experiences, 'input.experiences', CV_LIMITS.experiences).map((e, i) => {
    const field = `input.experiences[${i}]`;
    const from = dateOnly(e.from, `${field}.from`);
    const to = dateOnly(e.to, `${field}.to`);
    if (from && to && to < from) throw new BadUserInputError(`${field}.to: before from`, `${field}.to`);
    return {
      title: text(e.title, `${field}.title`, CV_LIMITS.experienceText, { required: true })!,
      employer: text(e.employer, `${field}.employer`, CV_LIMITS.experienceText),
      from,
      to,
      description: text(e.description, `${field}.description`, CV_LIMITS.experienceDescription, { multiline: true }),
    };
  });
  const education: CvEducation[] = list(input.education, 'input.education', CV_LIMITS.education).map((e, i) => {
    const field = `input.education[${i}]`;
    if (e.year !== null && e.year !== undefined && (!Number.isInteger(e.year) || e.year < 1900 || e.year > 2100)) {
      throw new BadUserInputError(`${field}.year: 1900 to 2100`, `${field}.year`);
    }
    return {
      title: text(e.title, `${field}.title`, CV_LIMITS.experienceText, { required: true })!,
      level: text(e.level, `${field}.level`, CV_LIMITS.educationLevel),
      year: e.year ?? null,
    };
  });
  const languages = textList(input.languages, 'input.languages', CV_LIMITS.languages, CV_LIMITS.language);
  const drivingLicences = textList(input.drivingLicences, 'input.drivingLicences', CV_LIMITS.drivingLicences, CV_LIMITS.drivingLicence).map(
    (l) => l.toUpperCase(),
  );

  const terms: ValidatedCv['terms'] = [
    ...romeCodes.map((value) => ({ kind: 'ROME' as const, value })),
    ...[...new Set(skills.map(normalizeSkill))].map((value) => ({ kind: 'SKILL' as const, value })),
    ...desiredContractTypes.map((value) => ({ kind: 'CONTRACT' as const, value })),
  ];
  return {
    candidateRef,
    headline,
    summary,
    skills,
    romeCodes,
    experiences,
    education,
    languages,
    drivingLicences,
    desiredContractTypes,
    ...locationColumns(commune, postalCode),
    mobilityRadiusKm,
    availableFrom: dateOnly(input.availableFrom, 'input.availableFrom'),
    searchText: cvSearchText([headline, summary, ...skills, ...experiences.map((e) => e.title)]),
    terms,
    contact: contactOf(input.contact),
  };
}
