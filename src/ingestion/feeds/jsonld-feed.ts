import type { Readable } from 'node:stream';
import type { EmployerInput, LocationInput, SalaryInput } from '../../__generated__/resolvers-types';
import type { InputErrorModel } from '../ingestion.types';
import { parseSalary } from '../../lib/salary-parser';
import { feedPosition, FeedSyntaxError, problem, type FeedItem } from './feed-item';
import {
  buildOfferInput,
  countryProblem,
  feedDate,
  feedExternalId,
  finalProblems,
  feedUrl,
  mapContract,
  oneLine,
  romeCodeOf,
  salaryInput,
} from './feed-mapping';
import { streamJsonValues, type JsonObject, type JsonPath, type JsonValue } from './json-value-stream';

/** Arrays whose elements are nodes: the root array, `@graph` and `itemListElement` (an ItemList) wherever they sit. */
function isNodeList(path: JsonPath): boolean {
  const last = path[path.length - 1];
  return path.length === 0 || last === '@graph' || last === 'itemListElement';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Local names of a node's types: "JobPosting", "schema:JobPosting", "https://schema.org/JobPosting" → "JobPosting". */
function typeNames(node: JsonObject): string[] {
  const raw = node['@type'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter((t): t is string => typeof t === 'string').map((t) => t.replace(/^.*[/#:]/, ''));
}

function asList(value: JsonValue | undefined): JsonValue[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/**
 * The first usable text of a value that may be a string, a number, an object carrying it under one
 * of `keys` (a PropertyValue's "value", a Country's "name"), or a list of those.
 */
function textOf(
  value: JsonValue | undefined,
  keys: readonly string[] = ['value', '@value'],
  read: (value: unknown) => string | null = oneLine,
): string | null {
  for (const entry of asList(value)) {
    const text = isObject(entry) ? (keys.map((k) => read(entry[k])).find((t) => t !== null) ?? null) : read(entry);
    if (text) return text;
  }
  return null;
}

/** Nodes met so far that others may point to with `{"@id": ...}` (an Organization, a Place in @graph). */
class NodeIndex {
  private readonly byId = new Map<string, JsonObject>();
  /** Enough for the organisations and places of a real feed; a bound keeps memory flat. */
  private static readonly MAX = 10_000;

  remember(node: JsonObject): void {
    const id = node['@id'];
    if (typeof id === 'string' && this.byId.size < NodeIndex.MAX) this.byId.set(id, node);
  }

  /** The node a reference points to (when it was seen before), or the value itself. */
  resolve(value: JsonValue | undefined): JsonValue | undefined {
    if (isObject(value) && typeof value['@id'] === 'string' && Object.keys(value).length === 1) {
      return this.byId.get(value['@id']) ?? value;
    }
    if (typeof value === 'string' && this.byId.has(value)) return this.byId.get(value);
    return value;
  }
}

function employerOf(value: JsonValue | undefined): EmployerInput | undefined {
  if (typeof value === 'string') return oneLine(value) ? { name: oneLine(value) } : undefined;
  if (!isObject(value)) return undefined;
  const name = oneLine(value.name) ?? oneLine(value.legalName);
  // sameAs is often a list of profiles: the first http(s) one. A decorative link never costs the offer.
  const url = [...asList(value.url), ...asList(value.sameAs)].map(feedUrl).find((u) => u !== null) ?? null;
  if (!name && !url) return undefined;
  return { ...(name ? { name } : {}), ...(url ? { url } : {}) };
}

/** One of jobLocation's places → LocationInput, plus a problem for a job abroad. */
function locationOf(value: JsonValue | undefined, nodes: NodeIndex, problems: InputErrorModel[]): LocationInput {
  const places = asList(value).map((p) => nodes.resolve(p));
  const addresses = places.map((place) => {
    const address = isObject(place) ? nodes.resolve(place.address) : place;
    if (typeof address === 'string') {
      // A one-line address: its 5-digit group is the postal code ("12 rue X, 75011 Paris").
      const postalCode = /\b(\d{5})\b/.exec(address)?.[1] ?? null;
      const city = oneLine(address.replace(/^.*\b\d{5}\b/, '').replace(/^[\s,-]+/, '')) ?? null;
      return { postalCode, city, country: null as JsonValue | undefined };
    }
    if (!isObject(address)) return null;
    return { postalCode: textOf(address.postalCode), city: textOf(address.addressLocality), country: address.addressCountry };
  });
  // Several places: the offer has one location, the first that has a postal code.
  const chosen = addresses.find((a) => a?.postalCode) ?? addresses.find((a) => a !== null) ?? null;
  if (!chosen) return {};
  const country = countryProblem(textOf(chosen.country ?? undefined, ['name', 'identifier']));
  if (country) problems.push(country);
  return {
    ...(chosen.postalCode ? { postalCode: chosen.postalCode } : {}),
    ...(chosen.city ? { city: chosen.city } : {}),
  };
}

function numberOf(value: JsonValue | undefined): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim()
        ? Number(value.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.'))
        : NaN;
  return Number.isFinite(number) ? number : null;
}

const OUR_PERIODS = new Set(['HOUR', 'MONTH', 'YEAR']);

/**
 * baseSalary: a MonetaryAmount (value: a number or a QuantitativeValue with value / minValue /
 * maxValue and unitText), or text. HOUR, MONTH and YEAR carry their amounts; DAY and WEEK become
 * a label only (no period of ours fits them); no unit at all: the period is inferred from the
 * amount the way parseSalary does for free text.
 */
function salaryOf(value: JsonValue | undefined): SalaryInput | undefined {
  if (typeof value === 'string' || typeof value === 'number') return salaryInput(parseSalary(String(value)));
  if (!isObject(value)) return undefined;
  const currency = oneLine(value.currency)?.toUpperCase() ?? null;
  const quantity = value.value;
  let min: number | null;
  let max: number | null = null;
  let unit = oneLine(value.unitText)?.toUpperCase() ?? null;
  if (isObject(quantity)) {
    min = numberOf(quantity.minValue) ?? numberOf(quantity.value);
    max = numberOf(quantity.maxValue);
    unit = oneLine(quantity.unitText)?.toUpperCase() ?? unit;
  } else {
    min = numberOf(quantity);
  }
  if (min === null && max === null) return undefined;
  if (min !== null && max !== null && min === max) max = null;
  const amounts = [min, max].filter((n): n is number => n !== null).join(' - ');
  const label = `${amounts}${currency ? ` ${currency}` : ''}${unit ? ` per ${unit.toLowerCase()}` : ''}`;
  if (unit && OUR_PERIODS.has(unit)) {
    return salaryInput({ min: min ?? max, max: min === null ? null : max, currency, period: unit as 'HOUR' | 'MONTH' | 'YEAR', label });
  }
  if (unit) return { label };
  return salaryInput(parseSalary(label));
}

/** Maps one JobPosting node. */
function mapJobPosting(node: JsonObject, position: string, nodes: NodeIndex): FeedItem {
  const problems: InputErrorModel[] = [];
  // identifier is the publisher's reference; without one, the posting's url is the stable key.
  const externalId = textOf(node.identifier, undefined, feedExternalId) ?? feedExternalId(node.url);
  if (!externalId) {
    problems.push(problem('externalId', 'REQUIRED', 'externalId: the JobPosting has neither an identifier nor a url'));
  }
  const contract = mapContract(
    asList(node.employmentType).map((v) => oneLine(v) ?? ''),
    'employmentType',
  );
  if (contract.problem) problems.push(contract.problem);
  const location = locationOf(node.jobLocation, nodes, problems);
  const publishedAt = feedDate(node.datePosted, 'publishedAt', problems);
  const validThrough = feedDate(node.validThrough, 'validThrough', problems);
  if (!externalId || !contract.contractType) return { position, externalId, input: null, problems };

  const employer = employerOf(nodes.resolve(node.hiringOrganization));
  const salary = salaryOf(node.baseSalary);
  const romeCode = asList(node.occupationalCategory)
    .map((c) => romeCodeOf(isObject(c) ? c.codeValue : c))
    .find((c) => c !== null);
  const experience = typeof node.experienceRequirements === 'string' ? oneLine(node.experienceRequirements) : null;
  // directApply is a boolean in schema.org; some publishers put the application URL there.
  const applyUrl = (typeof node.directApply === 'string' ? oneLine(node.directApply) : null) ?? oneLine(node.url);

  const input = buildOfferInput({
    externalId,
    title: oneLine(node.title),
    description: typeof node.description === 'string' ? node.description : '',
    contract: { contractType: contract.contractType, fullTime: contract.fullTime },
    location,
    employer,
    salary,
    romeCode,
    publishedAt,
    validThrough,
    applyUrl,
    experience,
  });
  problems.push(...finalProblems(input));
  return { position, externalId, input, problems };
}

function describeValue(value: JsonValue): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/**
 * Reads schema.org JobPosting JSON-LD, streaming: one JobPosting, an array of them, an ItemList
 * (elements JobPosting or ListItem with the posting in `item`), or a `@graph`. Other nodes
 * (Organization, Place, WebSite...) are not jobs: they are skipped, and remembered so that a later
 * `{"@id": ...}` reference to them resolves. A node without any @type is read as a JobPosting.
 */
export async function* parseJsonLdFeed(stream: Readable): AsyncGenerator<FeedItem> {
  const nodes = new NodeIndex();
  let count = 0;
  for await (const { value, line, arrayPath, hadStreamedArrays } of streamJsonValues(stream, isNodeList)) {
    if (arrayPath === null && !isObject(value)) {
      throw new FeedSyntaxError(
        `not JSON-LD: the document is ${describeValue(value)}, expected a JobPosting object, an array or an ItemList`,
        line,
        1,
      );
    }
    // A container whose node lists were streamed (an ItemList, the object holding @graph).
    if (hadStreamedArrays) continue;
    if (!isObject(value)) {
      yield {
        position: feedPosition(++count, line),
        externalId: null,
        input: null,
        problems: [problem('item', 'NOT_A_JOB_POSTING', `expected a JobPosting object, found ${describeValue(value)}`)],
      };
      continue;
    }
    const types = typeNames(value);
    let posting: JsonObject | null = null;
    if (types.includes('JobPosting') || types.length === 0) {
      posting = value;
    } else if (types.includes('ListItem')) {
      const item = nodes.resolve(value.item);
      if (isObject(item) && (typeNames(item).includes('JobPosting') || typeNames(item).length === 0)) {
        posting = item;
      } else if (!isObject(item) || !item['@type']) {
        const reference = oneLine(typeof item === 'string' ? item : value.url);
        yield {
          position: feedPosition(++count, line),
          externalId: reference,
          input: null,
          problems: [
            problem(
              'item',
              'NOT_A_JOB_POSTING',
              'a ListItem that only points to a posting: the feed must embed the JobPosting itself (in "item")',
            ),
          ],
        };
        continue;
      }
    }
    if (!posting) {
      nodes.remember(value);
      continue;
    }
    yield mapJobPosting(posting, feedPosition(++count, line), nodes);
  }
}
