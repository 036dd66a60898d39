import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import sax from 'sax';
import type { InputErrorModel } from '../ingestion.types';
import { parseSalary } from '../../lib/salary-parser';
import { feedPosition, FeedSyntaxError, problem, type FeedItem } from './feed-item';
import {
  countryProblem,
  feedDate,
  feedExternalId,
  buildOfferInput,
  finalProblems,
  mapContract,
  oneLine,
  recoverTemplateText,
  romeCodeOf,
  salaryInput,
} from './feed-mapping';

/** The text of a job's child elements, by lower-cased name (the first non-empty one wins). */
type JobFields = Map<string, string>;

/** Reads a field, recovering template residue; `broken` when the field holds residue we cannot read. */
function field(fields: JobFields, name: string): { text: string | null; broken: string | null } {
  const raw = fields.get(name);
  if (raw === undefined || !raw.trim()) return { text: null, broken: null };
  const recovered = recoverTemplateText(raw);
  return recovered === null ? { text: null, broken: oneLine(raw) } : { text: oneLine(recovered), broken: null };
}

/** Maps one `<job>` of an Indeed feed. */
export function mapIndeedJob(fields: JobFields, position: string): FeedItem {
  const problems: InputErrorModel[] = [];
  const externalId = feedExternalId(fields.get('referencenumber'));
  if (!externalId) problems.push(problem('externalId', 'REQUIRED', 'externalId: the job has no <referencenumber>'));

  const jobtype = field(fields, 'jobtype');
  const contract = jobtype.broken
    ? {
        contractType: null,
        fullTime: null,
        problem: problem(
          'contractType',
          'UNMAPPABLE',
          `contractType: <jobtype> holds broken template text ("${jobtype.broken}"), not a contract type`,
        ),
      }
    : mapContract(jobtype.text ? [jobtype.text] : [], '<jobtype>');
  if (contract.problem) problems.push(contract.problem);

  const country = countryProblem(fields.get('country'));
  if (country) problems.push(country);
  const publishedAt = feedDate(fields.get('date'), 'publishedAt', problems);
  const validThrough = feedDate(fields.get('expirationdate') ?? fields.get('validthrough'), 'validThrough', problems);
  if (!externalId || !contract.contractType) return { position, externalId, input: null, problems };

  // An empty postal code leaves the city alone: the service resolves it or says why not.
  const postalCode = oneLine(fields.get('postalcode'));
  const city = oneLine(fields.get('city'));
  const company = oneLine(fields.get('company'));
  const salary = salaryInput(parseSalary(fields.get('salary')));
  const experience = field(fields, 'experience').text;
  const romeCode = romeCodeOf(fields.get('category'));
  const applyUrl = oneLine(fields.get('url'));

  const input = buildOfferInput({
    externalId,
    title: oneLine(fields.get('title')),
    description: fields.get('description') ?? '',
    contract: { contractType: contract.contractType, fullTime: contract.fullTime },
    location: { ...(postalCode ? { postalCode } : {}), ...(city ? { city } : {}) },
    employer: company ? { name: company } : null,
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

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function serializeOpenTag(tag: sax.Tag): string {
  const attributes = Object.entries(tag.attributes)
    .map(([name, value]) => ` ${name}="${escapeText(String(value)).replace(/"/g, '&quot;')}"`)
    .join('');
  return `<${tag.name}${attributes}${tag.isSelfClosing ? '/' : ''}>`;
}

/** The encoding an XML declaration names (UTF-8 when none), from the document's first bytes. */
function declaredEncoding(head: Buffer): string {
  const declaration = /^(?:\uFEFF)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.toString('latin1'));
  return declaration ? declaration[1] : 'utf-8';
}

/** A sax error ("Invalid character in entity name\nLine: 0\nColumn: 13\nChar: ...") as a FeedSyntaxError. */
function syntaxErrorOf(err: unknown, parser: sax.SAXParser): FeedSyntaxError {
  if (err instanceof FeedSyntaxError) return err;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  // sax counts lines from 0 and leaves the column just after the offending character.
  return new FeedSyntaxError(`malformed XML: ${message}`, parser.line + 1, Math.max(parser.column, 1));
}

/**
 * Reads an Indeed XML feed (`<source>` ... `<job>` ... `</job>` ... `</source>`), streaming, with
 * sax in strict mode: a malformed document stops at the first error, with its line and column (a
 * stray "&" is reported where it is). HTML named entities (&nbsp;, &eacute;) are read as their
 * characters, as Indeed does. Each job's child elements are read as text (CDATA or escaped);
 * markup nested inside a field (an XHTML description) is kept as markup. The encoding is the one
 * the XML declaration names.
 */
export async function* parseIndeedXmlFeed(stream: Readable): AsyncGenerator<FeedItem> {
  const parser = sax.parser(true, { position: true, trim: false, normalize: false });
  const ready: FeedItem[] = [];
  let depth = 0;
  let count = 0;
  let sawRoot = false;
  let job: { depth: number; line: number; fields: JobFields } | null = null;
  let current: { name: string; depth: number; text: string[]; markup: string[]; nested: boolean; selfClosing: boolean[] } | null = null;

  parser.onerror = (err) => {
    throw syntaxErrorOf(err, parser);
  };
  parser.onopentag = (node) => {
    const tag = node as sax.Tag;
    depth++;
    if (depth === 1) {
      sawRoot = true;
      if (tag.name.toLowerCase() !== 'source') {
        throw new FeedSyntaxError(`not an Indeed feed: the root element is <${tag.name}>, expected <source>`, parser.line + 1);
      }
    }
    if (current) {
      current.nested = true;
      current.markup.push(serializeOpenTag(tag));
      current.selfClosing.push(tag.isSelfClosing);
    } else if (job) {
      current = { name: tag.name.toLowerCase(), depth, text: [], markup: [], nested: false, selfClosing: [] };
    } else if (tag.name.toLowerCase() === 'job') {
      job = { depth, line: parser.line + 1, fields: new Map() };
    }
  };
  parser.ontext = (text) => {
    if (!current) return;
    current.text.push(text);
    current.markup.push(escapeText(text));
  };
  parser.oncdata = (cdata) => {
    if (!current) return;
    current.text.push(cdata);
    current.markup.push(cdata);
  };
  parser.onclosetag = (name) => {
    if (current && depth === current.depth) {
      const value = (current.nested ? current.markup : current.text).join('');
      if (!job!.fields.get(current.name)?.trim()) job!.fields.set(current.name, value);
      current = null;
    } else if (current) {
      if (!current.selfClosing.pop()) current.markup.push(`</${name}>`);
    } else if (job && depth === job.depth) {
      ready.push(mapIndeedJob(job.fields, feedPosition(++count, job.line)));
      job = null;
    }
    depth--;
  };

  // The decoder is chosen once the XML declaration has arrived (it fits in the first 512 bytes).
  let decoder: TextDecoder | null = null;
  let head: Buffer[] = [];
  let headLength = 0;
  const write = (bytes: Buffer | null): void => {
    if (!decoder) {
      if (bytes) {
        head.push(bytes);
        headLength += bytes.length;
        if (headLength < 512) return;
      }
      const start = Buffer.concat(head);
      head = [];
      const encoding = declaredEncoding(start);
      try {
        decoder = new TextDecoder(encoding);
      } catch {
        throw new FeedSyntaxError(`the XML declaration names an encoding we cannot read: "${encoding}"`, 1);
      }
      parser.write(decoder.decode(start, { stream: bytes !== null }));
      return;
    }
    parser.write(bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode());
  };

  let failure: unknown = null;
  try {
    for await (const chunk of stream) {
      try {
        write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      } catch (err) {
        failure = syntaxErrorOf(err, parser);
      }
      for (const item of ready.splice(0)) yield item;
      if (failure) throw failure;
    }
    try {
      write(null);
      parser.close();
      if (!sawRoot) throw new FeedSyntaxError('the feed is empty: no <source> element', parser.line + 1);
    } catch (err) {
      failure = syntaxErrorOf(err, parser);
    }
  } catch (err) {
    failure = err;
  }
  for (const item of ready.splice(0)) yield item;
  if (failure) throw failure;
}
