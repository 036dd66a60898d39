import { httpUrl } from '../lib/http-url';
import { locationColumns } from '../referentials/geo';
import crypto from 'node:crypto';
import sanitizeHtml from 'sanitize-html';
import type { ContractType, SalaryPeriod } from '../../entities';
import type { OfferRow } from '../db/offer-row';
import { getReferentials } from '../referentials/referential.service';
import type { Publisher } from '../auth/viewer';
import type { InputErrorModel, OfferInput } from './ingestion.types';
import { yearlySalary } from '../lib/salary-parser';

/** Limits of one offer (documented in the README and the SDL). */
export const OFFER_LIMITS = {
  externalId: 128,
  title: 255,
  description: 50_000,
  /** The stored description's size in UTF-8 once sanitized: MariaDB's TEXT column (escaping can lengthen it). */
  descriptionBytes: 65_535,
  employerName: 255,
  url: 1000,
  employerUrl: 500,
  city: 128,
  salaryLabel: 255,
  experienceLevel: 32,
  /** publishedAt may be a little ahead of our clock (publishers' clocks drift), not more. */
  publishedAtSkewMs: 24 * 3600_000,
} as const;

/** The contract types of the schema, for input that did not come through GraphQL's enum check. */
export const CONTRACT_TYPES: ReadonlySet<string> = new Set<ContractType>([
  'PERMANENT',
  'FIXED_TERM',
  'TEMPORARY',
  'SEASONAL',
  'APPRENTICESHIP',
  'FREELANCE',
]);
const SALARY_PERIODS: ReadonlySet<string> = new Set<SalaryPeriod>(['HOUR', 'MONTH', 'YEAR']);

/** HTML kept in descriptions: structure and emphasis, and links (http, https, mailto) marked nofollow. */
const DESCRIPTION_HTML: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i', 'a'],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }) },
};

/** Control characters that have no place in stored text (tab and newlines are kept). */
export const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Text that no HTML parser would read differently from what it says: nothing to sanitize. */
const NOTHING_TO_PARSE = /^[^<>&]*$/;

/** One line of plain text: tags and control characters out, white space collapsed. */
function plainLine(value: string): string {
  const text = NOTHING_TO_PARSE.test(value) ? value : sanitizeHtml(value, { allowedTags: [], allowedAttributes: {} });
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(CONTROL_CHARS, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The sanitized description (safe HTML subset). Plain text without markup characters is already
 * safe and skips the HTML parser (most feeds send plain text; the parser is the costly part).
 */
export function sanitizeDescription(html: string): string {
  const text = html.replace(CONTROL_CHARS, '');
  return (NOTHING_TO_PARSE.test(text) ? text : sanitizeHtml(text, DESCRIPTION_HTML)).trim();
}

/** Whether sanitized HTML has any text left (its tags are well-formed: sanitize-html wrote them). */
function hasText(sanitized: string): boolean {
  return /\S/.test(sanitized.replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' '));
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

export interface ValidatedOffer {
  externalId: string;
  /** The row to store (publishedAt null: keep the stored one on update, now on create). */
  row: Omit<OfferRow, 'publishedAt'> & { publishedAt: Date | null };
}

/**
 * The externalId as it is stored: control characters out, trimmed; nothing else. Two externalIds
 * are the same offer when they are the same string after this, exactly (the database compares
 * them byte for byte: migration ExactReferences): `Job-42` and `job-42`, `é` and `e` + U+0301
 * (NFC and NFD), `Job42` and `Job\u200B42` are different offers. A partner's reference is
 * its own, compared as its system sends it: folding case, accents or Unicode forms could
 * merge two of its offers into one.
 */
export function normalizeExternalId(value: unknown): string {
  return typeof value === 'string' ? value.replace(CONTROL_CHARS, '').trim() : '';
}

/** A UTF-16 surrogate without its pair: no Unicode character, and no UTF-8 encoding. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Whether a string used as a key holds only Unicode characters (String#isWellFormed, ES2024).
 * A lone surrogate, which JSON's `\uD800` escapes can carry, becomes U+FFFD on its way to either
 * database (both store UTF-8): the id stored is not the id sent, so no lookup by it can find its
 * own row again, and ids differing only there would collide. Such keys are refused, once, here.
 */
export function isWellFormedKey(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * The text with U+FFFD in place of each lone surrogate (String#toWellFormed, ES2024): how a
 * rejected externalId is echoed in a result, which MariaDB's JSON column (a stored batch response)
 * would refuse otherwise. Results keep the order of the input, which tells which item it was.
 */
export function toWellFormedText(value: string): string {
  return value.replace(LONE_SURROGATES, '\uFFFD');
}

/** The error of an externalId that is not valid Unicode (see isWellFormedKey). */
export const INVALID_CHARACTERS_ERROR: InputErrorModel = {
  field: 'externalId',
  code: 'INVALID_CHARACTERS',
  message: 'externalId holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape): it is not valid Unicode text',
};

/**
 * An unambiguous text of an input value, for hashing: every enumerable field in object order (GraphQL
 * builds input objects in the order of the schema's fields, so equal inputs give equal texts), strings
 * length-prefixed, numbers and dates terminated, so no two different values share a text. A field
 * added to the input type is covered without listing it. About 4x cheaper than JSON.stringify on
 * offers, which escapes every character of the description and calls Date#toJSON: it was a fifth of
 * the hub's CPU under unchanged re-pushes (docs/ingestion.md).
 */
export function contentText(value: unknown): string {
  if (value === null || value === undefined) return '~';
  switch (typeof value) {
    case 'string':
      return `"${value.length}:${value}`;
    case 'number':
    case 'boolean':
      return `#${value};`;
    case 'object':
      break;
    default:
      return `?${String(value)};`;
  }
  if (value instanceof Date) return `@${value.getTime()};`;
  if (value instanceof URL) return contentText(value.href);
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (const item of value) text += contentText(item);
    return text + ']';
  }
  text = '{';
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) text += `${key}=${contentText(field)}`;
  }
  return text + '}';
}

/**
 * Hash of an offer exactly as the publisher sent it: sha256 of contentText, base64url (43
 * characters). Stored as content_hash: an input whose hash is stored on an ACTIVE offer is
 * UNCHANGED, without validating or writing anything (sameContent).
 */
export function inputHash(input: OfferInput): string {
  return crypto.hash('sha256', contentText(input), 'base64url');
}

/** Whether a stored content hash (content_hash; null: none) was made from the same input (inputHash). */
export function sameContent(storedHash: string | null, hash: string): boolean {
  return storedHash !== null && storedHash === hash;
}

/**
 * Validates and normalises one OfferInput. Returns every problem it has (field paths inside the
 * item), or the row to store. Pure apart from the referentials; `now` decides what "future" means.
 */
export function validateOfferInput(
  input: OfferInput,
  publisher: Publisher,
  now: Date,
): { offer: ValidatedOffer | null; errors: InputErrorModel[] } {
  const errors: InputErrorModel[] = [];
  const fail = (field: string, code: string, message: string) => errors.push({ field, code, message });

  const externalId = normalizeExternalId(input.externalId);
  if (!externalId) fail('externalId', 'REQUIRED', 'externalId is required');
  else if (externalId.length > OFFER_LIMITS.externalId)
    fail('externalId', 'TOO_LONG', `externalId: at most ${OFFER_LIMITS.externalId} characters`);
  if (!isWellFormedKey(externalId)) errors.push({ ...INVALID_CHARACTERS_ERROR });

  const title = typeof input.title === 'string' ? plainLine(input.title) : '';
  if (!title) fail('title', 'REQUIRED', 'title is required (plain text)');
  else if (title.length > OFFER_LIMITS.title) fail('title', 'TOO_LONG', `title: at most ${OFFER_LIMITS.title} characters`);

  let description = '';
  if (typeof input.description !== 'string' || !input.description.trim()) fail('description', 'REQUIRED', 'description is required');
  else if (input.description.length > OFFER_LIMITS.description)
    fail('description', 'TOO_LONG', `description: at most ${OFFER_LIMITS.description} characters`);
  else {
    description = sanitizeDescription(input.description);
    if (!hasText(description)) fail('description', 'EMPTY_AFTER_SANITIZING', 'description has no text once unsafe HTML is removed');
    else {
      const bytes = Buffer.byteLength(description);
      if (bytes > OFFER_LIMITS.descriptionBytes)
        fail(
          'description',
          'TOO_LONG',
          `description: at most ${OFFER_LIMITS.descriptionBytes} bytes of UTF-8 once sanitized (this one: ${bytes})`,
        );
    }
  }

  let romeCode: string | null = null;
  if (input.romeCode) {
    romeCode = input.romeCode.trim().toUpperCase();
    if (!getReferentials().rome(romeCode)) fail('romeCode', 'UNKNOWN', `romeCode: "${input.romeCode}" is not a ROME 4.60 code`);
  }

  const employerName = input.employer?.name ? plainLine(input.employer.name) : null;
  if (employerName && employerName.length > OFFER_LIMITS.employerName)
    fail('employer.name', 'TOO_LONG', `employer.name: at most ${OFFER_LIMITS.employerName} characters`);
  const employerUrl = input.employer?.url ? httpUrl(input.employer.url) : null;
  if (input.employer?.url && !employerUrl) fail('employer.url', 'INVALID_URL', 'employer.url must be an http(s) URL');
  else if (employerUrl && employerUrl.length > OFFER_LIMITS.employerUrl)
    fail('employer.url', 'TOO_LONG', `employer.url: at most ${OFFER_LIMITS.employerUrl} characters`);

  const location = input.location ?? {};
  const postalCode = location.postalCode?.trim() || null;
  const communeCode = location.communeCode?.trim().toUpperCase() || null;
  const cityInput = location.city ? plainLine(location.city).slice(0, OFFER_LIMITS.city) : null;
  const referentials = getReferentials();
  let commune = null;
  if (!postalCode && !communeCode) {
    fail(
      'location.postalCode',
      'REQUIRED',
      `location needs a postalCode or an INSEE communeCode${cityInput ? ` (city "${cityInput}" alone is not enough)` : ''}`,
    );
  } else if (communeCode && !referentials.commune(communeCode) && !referentials.resolveLocation({ communeCode })) {
    fail('location.communeCode', 'UNKNOWN', `location.communeCode: "${communeCode}" is not an INSEE commune code`);
  } else {
    commune = referentials.resolveLocation({ postalCode, communeCode, city: cityInput });
    if (!commune) fail('location.postalCode', 'UNKNOWN', `location.postalCode: "${postalCode}" is not a French postal code`);
  }

  if (!CONTRACT_TYPES.has(input.contractType))
    fail('contractType', 'INVALID', `contractType: "${String(input.contractType)}" is not one of ${[...CONTRACT_TYPES].join(', ')}`);

  const salary = input.salary ?? null;
  let salaryMin: number | null = null;
  let salaryMax: number | null = null;
  let salaryCurrency: string | null = null;
  let salaryPeriod: SalaryPeriod | null = null;
  let salaryLabel: string | null = null;
  if (salary) {
    salaryMin = salary.min ?? null;
    salaryMax = salary.max ?? null;
    if (salaryMin !== null && !(salaryMin >= 0)) fail('salary.min', 'NEGATIVE', 'salary.min must be 0 or more');
    if (salaryMax !== null && !(salaryMax >= 0)) fail('salary.max', 'NEGATIVE', 'salary.max must be 0 or more');
    if (salaryMin !== null && salaryMax !== null && salaryMin > salaryMax)
      fail('salary.max', 'BELOW_MIN', `salary.max (${salaryMax}) is below salary.min (${salaryMin})`);
    const currency = salary.currency?.trim().toUpperCase() || null;
    if (currency && !/^[A-Z]{3}$/.test(currency)) fail('salary.currency', 'INVALID', 'salary.currency must be an ISO 4217 code like EUR');
    salaryCurrency = currency ?? (salaryMin !== null || salaryMax !== null ? 'EUR' : null);
    if (salary.period && !SALARY_PERIODS.has(salary.period)) fail('salary.period', 'INVALID', 'salary.period must be HOUR, MONTH or YEAR');
    salaryPeriod = salary.period ?? null;
    if ((salaryMin !== null || salaryMax !== null) && !salaryPeriod)
      fail('salary.period', 'REQUIRED', 'salary.period is required with an amount');
    salaryLabel = salary.label ? plainLine(salary.label).slice(0, OFFER_LIMITS.salaryLabel) : null;
  }

  const publishedAt = toDate(input.publishedAt);
  if (input.publishedAt && !publishedAt) fail('publishedAt', 'INVALID', 'publishedAt is not a date');
  else if (publishedAt && publishedAt.getTime() > now.getTime() + OFFER_LIMITS.publishedAtSkewMs)
    fail('publishedAt', 'IN_FUTURE', 'publishedAt is in the future');
  const validThrough = toDate(input.validThrough);
  if (input.validThrough && !validThrough) fail('validThrough', 'INVALID', 'validThrough is not a date');
  else if (validThrough && validThrough.getTime() <= now.getTime()) fail('validThrough', 'IN_PAST', 'validThrough must be in the future');

  const applyUrl = input.applyUrl ? httpUrl(input.applyUrl) : null;
  if (input.applyUrl && !applyUrl) fail('applyUrl', 'INVALID_URL', 'applyUrl must be an http(s) URL');
  else if (applyUrl && applyUrl.length > OFFER_LIMITS.url) fail('applyUrl', 'TOO_LONG', `applyUrl: at most ${OFFER_LIMITS.url} characters`);

  if (input.reservedForJobseekers && publisher.kind !== 'AGENCY') {
    fail('reservedForJobseekers', 'NOT_ALLOWED', 'only agency offers can be reserved for job seekers');
  }
  const experienceLevel = input.experienceLevel ? plainLine(input.experienceLevel) : null;
  if (experienceLevel && experienceLevel.length > OFFER_LIMITS.experienceLevel)
    fail('experienceLevel', 'TOO_LONG', `experienceLevel: at most ${OFFER_LIMITS.experienceLevel} characters`);

  if (errors.length > 0 || !commune) return { offer: null, errors };

  const row: ValidatedOffer['row'] = {
    source: publisher.kind === 'AGENCY' ? 'AGENCY' : 'PARTNER',
    externalId,
    title,
    description,
    romeCode,
    employerName,
    employerUrl,
    locationLabel: `${commune.departmentCode} - ${commune.name}`,
    ...locationColumns(commune, postalCode),
    contractType: input.contractType,
    fullTime: input.fullTime ?? null,
    salaryMin,
    salaryMax,
    salaryCurrency,
    salaryPeriod,
    salaryLabel,
    salaryYearlyMin: salaryCurrency === 'EUR' ? yearlySalary(salaryMin ?? salaryMax, salaryPeriod) : null,
    experienceLevel,
    publishedAt,
    updatedAt: now,
    validThrough,
    status: 'ACTIVE',
    applyUrl,
    reservedForJobseekers: Boolean(input.reservedForJobseekers),
    contentHash: null,
  };
  return { offer: { externalId, row }, errors };
}
