import type { CandidateFilter } from '../__generated__/resolvers-types';
import { BadUserInputError } from '../errors';
import { dateOnly, normalizeSkill } from './candidate-validation';
import { CV_LIMITS, type CandidateCursor, type CandidateFilterSpec, type CandidateQuery } from './candidate.types';
import { isCursorInstant } from '../lib/cursor';
import { normalizeOfferFilter } from '../offers/offer-filter';

/**
 * Validates a CandidateFilter. The dimensions it shares with the offer search (keywords, ROME
 * codes, departments, contract types, near) are checked by the offer search's own rules, so both
 * searches accept and reject the same values with the same messages.
 */
export function normalizeCandidateFilter(input: CandidateFilter | null | undefined): CandidateFilterSpec {
  if (!input) return {};
  const shared = normalizeOfferFilter({
    keywords: input.keywords,
    romeCodes: input.romeCodes,
    departmentCodes: input.departmentCodes,
    contractTypes: input.contractTypes,
    near: input.near,
  });
  const spec: CandidateFilterSpec = {
    keywordTokens: shared.keywordTokens,
    romeCodes: shared.romeCodes,
    departmentCodes: shared.departmentCodes,
    contractTypes: shared.contractTypes,
    near: shared.near,
  };
  if (input.skills) {
    if (input.skills.length > CV_LIMITS.maxFilterList)
      throw new BadUserInputError(`filter.skills: at most ${CV_LIMITS.maxFilterList} values`, 'filter.skills');
    const skills = [...new Set(input.skills.map(normalizeSkill).filter(Boolean))];
    if (skills.some((s) => s.length > CV_LIMITS.skill))
      throw new BadUserInputError(`filter.skills: each at most ${CV_LIMITS.skill} characters`, 'filter.skills');
    if (skills.length) spec.skills = skills;
  }
  const availableBefore = dateOnly(input.availableBefore, 'filter.availableBefore');
  if (availableBefore) spec.availableBefore = availableBefore;
  for (const key of Object.keys(spec) as Array<keyof CandidateFilterSpec>) if (spec[key] === undefined) delete spec[key];
  return spec;
}

/** Opaque cursor, in the offer cursors' style: base64url of `u:<updatedAt ms>:<id>`. */
export function encodeCandidateCursor(position: CandidateCursor): string {
  return Buffer.from(`u:${position.updatedAt}:${position.id}`).toString('base64url');
}

/** Decodes a cursor made by encodeCandidateCursor; anything else is BAD_USER_INPUT. */
export function decodeCandidateCursor(cursor: string): CandidateCursor {
  const text = cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^u:([0-9]{1,15}):([1-9][0-9]{0,14})$/.exec(text);
  if (!match || !isCursorInstant(Number(match[1])))
    throw new BadUserInputError('after: malformed cursor (use a cursor returned by candidates)', 'after');
  return { updatedAt: Number(match[1]), id: Number(match[2]) };
}

/** Validates the arguments of Query.candidates. */
export function buildCandidateQuery(args: {
  filter?: CandidateFilter | null;
  first?: number | null;
  after?: string | null;
}): CandidateQuery {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > CV_LIMITS.maxFirst) {
    throw new BadUserInputError(`first: must be between 0 and ${CV_LIMITS.maxFirst} (got ${first})`, 'first');
  }
  return { filter: normalizeCandidateFilter(args.filter), first, after: args.after ? decodeCandidateCursor(args.after) : null };
}
