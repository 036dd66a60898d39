import type { Readable } from 'node:stream';
import { mapFranceTravailOffer, type FranceTravailOffer } from './france-travail.mapper';
import type { InputErrorModel, OfferInput } from '../ingestion.types';
import { feedPosition, FeedSyntaxError, problem, type FeedItem } from './feed-item';
import { feedDate, feedExternalId, finalProblems, oneLine, salaryInput } from './feed-mapping';
import { streamJsonValues, type JsonObject, type JsonPath, type JsonValue } from './json-value-stream';

/** Offers are the elements of the root array, or of `resultats` in the API's envelope. */
function isOfferList(path: JsonPath): boolean {
  return path.length === 0 || (path.length === 1 && path[0] === 'resultats');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stands in for a missing dateCreation inside mapFranceTravailOffer; never sent (see below). */
const NO_DATE = new Date(0);

/**
 * Maps one offer of France Travail's "API Offres d'emploi v2" with the seed's own mapper
 * (mapFranceTravailOffer: contract via mapContractType, salary via parseSalary with the
 * commentaire fallback, full time, experience level, ROME code, title fallbacks, apply URL), so
 * that an imported offer reads exactly like a seeded one. The apply URL is the seed's choice: for
 * an offer re-routed from a partner board, the posting's own page on that board
 * (partenaires[0].url, where the candidate actually applies), else origineOffre.urlOrigine.
 * What differs from the seed:
 * - the location is sent as France Travail gives it (INSEE code, postal code) for the service to
 *   resolve, rather than resolved here;
 * - a missing dateCreation stays missing (the service decides), an unreadable one is a problem;
 * - nothing synthetic: reservedForJobseekers is not sent.
 */
export function mapFranceTravailItem(value: JsonValue, position: string): FeedItem {
  if (!isObject(value)) {
    return {
      position,
      externalId: null,
      input: null,
      problems: [problem('item', 'NOT_AN_OFFER', 'expected a France Travail offer object')],
    };
  }
  const raw = value as unknown as FranceTravailOffer;
  const externalId = feedExternalId(raw.id);
  if (!externalId) {
    return { position, externalId: null, input: null, problems: [problem('externalId', 'REQUIRED', 'externalId: the offer has no id')] };
  }
  const problems: InputErrorModel[] = [];
  const { row } = mapFranceTravailOffer({ ...raw, id: externalId }, NO_DATE);
  const publishedAt = feedDate(raw.dateCreation, 'publishedAt', problems);
  const lieu = isObject(value.lieuTravail) ? raw.lieuTravail : undefined;
  const communeCode = oneLine(lieu?.commune);
  const postalCode = oneLine(lieu?.codePostal);
  const salary = salaryInput(
    row.salaryLabel === null
      ? null
      : { min: row.salaryMin, max: row.salaryMax, currency: row.salaryCurrency, period: row.salaryPeriod, label: row.salaryLabel },
  );
  const applyUrl = row.applyUrl;

  const input: OfferInput = {
    externalId,
    title: row.title,
    description: typeof raw.description === 'string' ? raw.description : '',
    contractType: row.contractType,
    ...(row.fullTime !== null ? { fullTime: row.fullTime } : {}),
    location: {
      ...(postalCode ? { postalCode } : {}),
      ...(communeCode ? { communeCode } : {}),
      // The commune's name when France Travail's codes resolve; a bare "74 - Savoie (Haute)" is no city.
      ...(row.city ? { city: row.city } : {}),
    },
    ...(row.employerName || row.employerUrl
      ? { employer: { ...(row.employerName ? { name: row.employerName } : {}), ...(row.employerUrl ? { url: row.employerUrl } : {}) } }
      : {}),
    ...(salary ? { salary } : {}),
    ...(row.romeCode ? { romeCode: row.romeCode } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    ...(applyUrl ? { applyUrl } : {}),
    ...(row.experienceLevel ? { experienceLevel: row.experienceLevel } : {}),
  };
  problems.push(...finalProblems(input));
  return { position, externalId, input, problems };
}

/**
 * Reads France Travail "Offres d'emploi v2" JSON, streaming: an array of offers, the search
 * API's `{ "resultats": [...] }` envelope, or a single offer object.
 */
export async function* parseFranceTravailFeed(stream: Readable): AsyncGenerator<FeedItem> {
  let count = 0;
  for await (const { value, line, arrayPath, hadStreamedArrays } of streamJsonValues(stream, isOfferList)) {
    if (arrayPath === null) {
      if (hadStreamedArrays) continue; // the envelope around resultats
      if (isObject(value) && ('id' in value || 'intitule' in value)) {
        yield mapFranceTravailItem(value, feedPosition(++count, line));
        continue;
      }
      throw new FeedSyntaxError('not a France Travail feed: expected an array of offers, { "resultats": [...] } or one offer', line, 1);
    }
    yield mapFranceTravailItem(value, feedPosition(++count, line));
  }
}
