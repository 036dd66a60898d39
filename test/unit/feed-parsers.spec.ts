import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { SHIPPED_FRANCE_TRAVAIL_OFFERS } from '../../src/ingestion/feeds/france-travail.mapper';
import { detectFeedFormat } from '../../src/ingestion/feeds/detect-format';
import { FeedSyntaxError, type FeedItem } from '../../src/ingestion/feeds/feed-item';
import { parseFranceTravailFeed } from '../../src/ingestion/feeds/france-travail-feed';
import { parseIndeedXmlFeed } from '../../src/ingestion/feeds/indeed-xml-feed';
import { parseJsonLdFeed } from '../../src/ingestion/feeds/jsonld-feed';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'feeds');
const fixture = (name: string): string => path.join(FIXTURES, name);

type Parser = (stream: Readable) => AsyncGenerator<FeedItem>;

async function parseAll(parser: Parser, stream: Readable): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for await (const item of parser(stream)) items.push(item);
  return items;
}

/** Parses until the feed breaks: the items before the break, and the error. */
async function parseUntilError(parser: Parser, stream: Readable): Promise<{ items: FeedItem[]; error: FeedSyntaxError }> {
  const items: FeedItem[] = [];
  try {
    for await (const item of parser(stream)) items.push(item);
  } catch (err) {
    if (err instanceof FeedSyntaxError) return { items, error: err };
    throw err;
  }
  throw new Error('the feed parsed without a syntax error');
}

const fromText = (text: string, chunkSize = 64): Readable => {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
};

const shippedFranceTravail = (): Readable => fs.createReadStream(SHIPPED_FRANCE_TRAVAIL_OFFERS).pipe(zlib.createGunzip());

const codes = (items: FeedItem[]): string[] => items.flatMap((i) => i.problems.map((p) => `${p.field} ${p.code}`));

describe('Indeed XML: the real cookorico feed (99 jobs, dirty on purpose)', () => {
  let items: FeedItem[];
  beforeAll(async () => {
    items = await parseAll(parseIndeedXmlFeed, fs.createReadStream(fixture('indeed-xml-cookorico-2016.xml'), { highWaterMark: 4096 }));
  });

  it('reads every job, each with its reference and the line it starts on', () => {
    expect(items).toHaveLength(99);
    expect(new Set(items.map((i) => i.externalId)).size).toBe(99);
    expect(items[0].position).toBe('item 1 (line 5)');
    expect(items[83].position).toBe('item 84 (line 1368)');
  });

  it('recovers the contract type from the broken template text of <jobtype>', () => {
    const byType: Record<string, number> = {};
    for (const item of items) if (item.input) byType[item.input.contractType] = (byType[item.input.contractType] ?? 0) + 1;
    // 72 CDI, 11 CDD + 6 Extra (minus the test posting's), 8 Intérim, 1 Contrat pro; Stage has none.
    expect(byType).toEqual({ PERMANENT: 72, FIXED_TERM: 17, TEMPORARY: 8, APPRENTICESHIP: 1 });
  });

  it('maps a job field by field from the source', () => {
    const job = items.find((i) => i.externalId === '784')!;
    expect(job.problems).toEqual([]);
    expect(job.input).toEqual({
      externalId: '784',
      title: 'APPRENTI SALLE H/F',
      description: expect.stringMatching(/^<p>Le Restaurant "Le Cap" recherche un apprenti H\/F de suite pour pr&eacute;parer un CAP/),
      contractType: 'FIXED_TERM', // <jobtype> says CDD: the feed's word is kept, though the title says apprenti
      // empty <postalcode>: the city, and the INSEE code of the one commune of that name
      location: { city: 'Saint-Brevin-les-Pins', communeCode: '44154' },
      employer: { name: 'HÔTEL SPA DU BERYL ***' },
      publishedAt: new Date('2016-11-09T00:00:00.000Z'),
      applyUrl: 'http://cookorico.com/#/recherche/annonce/784',
      experienceLevel: 'Sans expérience', // recovered from '.{"id":1,"title":"Sans exp\u00e9rience"}->title.'
    });
    const withPostalCode = items.filter((i) => i.input?.location.postalCode);
    expect(withPostalCode.map((i) => i.input!.location.postalCode).sort()).toEqual(['44730', ...Array(17).fill('44814'), '56100', '56700']);
  });

  it('rejects the test posting and the internship, and says why', () => {
    const rejected = items.filter((i) => i.problems.length > 0);
    expect(rejected.map((i) => [i.position, i.externalId, i.problems.map((p) => `${p.field} ${p.code}`)])).toEqual([
      ['item 1 (line 5)', '1679', ['title TEST_POSTING']],
      ['item 84 (line 1368)', '1637', ['contractType UNMAPPABLE']],
    ]);
    expect(rejected[1].problems[0].message).toMatch(/"Stage" is an internship/);
    expect(rejected[1].input).toBeNull();
  });
});

describe('Indeed XML: Zonos (4 US jobs)', () => {
  it('reads them, and rejects jobs located outside France', async () => {
    const items = await parseAll(parseIndeedXmlFeed, fs.createReadStream(fixture('indeed-xml-zonos-2026.xml')));
    expect(items.map((i) => i.externalId)).toEqual(['28463379', '32442308', '32442308', '28463379']);
    expect(codes(items)).toEqual(Array(4).fill('location UNSUPPORTED_COUNTRY'));
    // The escaped HTML of <description> is HTML again; "Full-time" alone is a regular job.
    expect(items[0].input).toMatchObject({
      contractType: 'PERMANENT',
      fullTime: true,
      location: { city: 'Remote' },
      description: expect.stringMatching(/^<p>Zonos is the AI operating system/),
    });
  });
});

describe('Indeed XML: malformed feeds', () => {
  const cookorico = fs.readFileSync(fixture('indeed-xml-cookorico-2016.xml'), 'utf8');

  it('stops at a truncated feed with the line, after handing out the complete jobs', async () => {
    const cut = cookorico.slice(0, cookorico.indexOf('<referencenumber><![CDATA[1637]]>'));
    const { items, error } = await parseUntilError(parseIndeedXmlFeed, fromText(cut, 1000));
    expect(items).toHaveLength(83);
    expect(error.reason).toBe('malformed XML: Unclosed root tag');
    expect(error.line).toBe(cut.split('\n').length);
  });

  it('stops at broken markup with its line and column', async () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<source>',
      '<job><referencenumber>A1</referencenumber><jobtype>CDI</jobtype></job>',
      '<job><title>Chef & commis</title></job>',
      '</source>',
    ].join('\n');
    const { items, error } = await parseUntilError(parseIndeedXmlFeed, fromText(xml, 16));
    expect(items.map((i) => i.externalId)).toEqual(['A1']);
    expect(error.line).toBe(4);
    expect(error.column).toBeGreaterThan(1);
    expect(error.message).toMatch(/^line 4, column \d+: malformed XML/);
  });

  it('refuses a document that is not an Indeed feed', async () => {
    const { error } = await parseUntilError(parseIndeedXmlFeed, fromText('<?xml version="1.0"?>\n<rss><channel/></rss>'));
    expect(error.reason).toBe('not an Indeed feed: the root element is <rss>, expected <source>');
    expect(error.line).toBe(2);
  });

  it('reports a job without its reference as an item problem, and reads on', async () => {
    const xml = `<source>
      <job><title>Sans référence</title><jobtype>CDI</jobtype><postalcode>75011</postalcode></job>
      <job><referencenumber>B2</referencenumber><title>Plongeur</title><jobtype><![CDATA['.{"id":9}->title.']]></jobtype></job>
      <job><referencenumber>B3</referencenumber><title>Cuisinier</title><jobtype>CDD</jobtype><date>le 3 mars</date><country>Belgique</country></job>
      <job><referencenumber>B4</referencenumber><title>Commis</title><jobtype>saisonnier temps partiel</jobtype><salary>11,50 € brut de l'heure</salary><description><p>Cuisine <b>du marché</b> &amp; terrasse</p><br/></description></job>
    </source>`;
    const items = await parseAll(parseIndeedXmlFeed, fromText(xml));
    expect(items.map((i) => [i.externalId, i.input === null, i.problems.map((p) => `${p.field} ${p.code}`)])).toEqual([
      [null, true, ['externalId REQUIRED']],
      ['B2', true, ['contractType UNMAPPABLE']],
      ['B3', false, ['location UNSUPPORTED_COUNTRY', 'publishedAt INVALID_DATE']],
      ['B4', false, []],
    ]);
    expect(items[1].problems[0].message).toContain('broken template text');
    expect(items[3].input).toMatchObject({
      contractType: 'SEASONAL',
      fullTime: false,
      salary: { min: 11.5, currency: 'EUR', period: 'HOUR', label: "11,50 € brut de l'heure" },
      // XHTML inside <description> stays markup.
      description: '<p>Cuisine <b>du marché</b> &amp; terrasse</p><br/>',
    });
  });

  it('reads the encoding the XML declaration names', async () => {
    const xml =
      '<?xml version="1.0" encoding="ISO-8859-1"?><source><job><referencenumber>L1</referencenumber><title>Réceptionniste</title><jobtype>CDI</jobtype></job></source>';
    const items = await parseAll(parseIndeedXmlFeed, Readable.from([Buffer.from(xml, 'latin1')]));
    expect(items[0].input?.title).toBe('Réceptionniste');
  });
});

describe('JSON-LD: the real Zonos feed', () => {
  it('reads the 4 postings, keyed by their url (they have no identifier)', async () => {
    const items = await parseAll(
      parseJsonLdFeed,
      fs.createReadStream(fixture('jobposting-jsonld-zonos-2026.json'), { highWaterMark: 1024 }),
    );
    expect(items).toHaveLength(4);
    expect(items.map((i) => i.position)).toEqual(['item 1 (line 2)', 'item 2 (line 23)', 'item 3 (line 44)', 'item 4 (line 65)']);
    expect(items[0].externalId).toBe('https://jobs.deel.com/zonos/job-details/6ede6e6a-1b6a-4eae-828e-640af99ee809/overview');
    expect(items[3].externalId).toBe(items[0].externalId); // the feed lists it twice: the importer rejects the second
    expect(items[0].problems).toEqual([]);
    expect(items[0].input).toMatchObject({
      title: 'Senior/Staff Backend EngineerSt.George UTFull-time$130,000 USD - $200,000 USD',
      contractType: 'PERMANENT',
      fullTime: true,
      location: { city: 'Remote' },
      employer: { name: 'Zonos', url: 'https://zonos.com' },
      publishedAt: new Date('2026-05-07T00:00:00.000Z'),
      applyUrl: items[0].externalId,
    });
  });
});

describe('JSON-LD: ItemList and @graph', () => {
  it('maps an ItemList of ListItems and bare postings', async () => {
    const items = await parseAll(parseJsonLdFeed, fs.createReadStream(fixture('jsonld-itemlist.json'), { highWaterMark: 100 }));
    expect(items.map((i) => [i.position, i.externalId, i.problems.map((p) => `${p.field} ${p.code}`)])).toEqual([
      ['item 1 (line 6)', 'HP-2031', []],
      ['item 2 (line 31)', 'https://jobs.example/only-a-link', ['item NOT_A_JOB_POSTING']],
      ['item 3 (line 36)', 'https://jobs.example/extra-serveur', []],
      ['item 4 (line 46)', 'https://jobs.example/stage', ['contractType UNMAPPABLE']],
      ['item 5 (line 53)', null, ['externalId REQUIRED', 'publishedAt INVALID_DATE']],
    ]);
    expect(items[0].input).toEqual({
      externalId: 'HP-2031',
      title: 'Réceptionniste de nuit H/F',
      description: '<p>Accueil des clients de nuit, <strong>audit</strong> de caisse.</p>',
      contractType: 'TEMPORARY',
      fullTime: true,
      location: { postalCode: '56100', city: 'Lorient' }, // the place with a postal code
      employer: { name: 'Hôtel du Port', url: 'https://hotel-du-port.example' },
      salary: { min: 1900, max: 2100, currency: 'EUR', period: 'MONTH', label: '1900 - 2100 EUR per month' },
      romeCode: 'G1703',
      publishedAt: new Date('2025-09-01T06:30:00.000Z'),
      validThrough: new Date('2099-12-31T00:00:00.000Z'),
      applyUrl: 'https://jobs.example/hp-2031',
    });
    // A day rate is no period of ours: its label only. A one-line address gives its postal code.
    expect(items[2].input).toMatchObject({
      contractType: 'FIXED_TERM',
      location: { postalCode: '56100', city: 'Lorient' },
      salary: { label: '95 EUR per day' },
    });
    expect(items[2].input!.salary).not.toHaveProperty('min');
  });

  it('skips the non-job nodes of a @graph and resolves references to them', async () => {
    const items = await parseAll(parseJsonLdFeed, fs.createReadStream(fixture('jsonld-graph.json')));
    expect(items).toHaveLength(1);
    expect(items[0].input).toMatchObject({
      externalId: 'ACME-7',
      contractType: 'TEMPORARY',
      employer: { name: 'ACME Logistique', url: 'https://acme.example' },
      location: { postalCode: '69007', city: 'Lyon' },
      // No unitText: the period is inferred from the amount, as for free text.
      salary: { min: 12.5, currency: 'EUR', period: 'HOUR' },
    });
  });

  it('reads a single JobPosting object', async () => {
    const posting = {
      '@context': 'https://schema.org',
      '@type': 'JobPosting',
      identifier: 7,
      title: 'Boulanger',
      description: 'Fournil.',
      employmentType: 'CDI',
    };
    const items = await parseAll(parseJsonLdFeed, fromText(JSON.stringify(posting)));
    expect(items.map((i) => [i.externalId, i.input?.contractType])).toEqual([['7', 'PERMANENT']]);
  });

  it('stops at a truncated feed with the line, after handing out the complete postings', async () => {
    const text = fs.readFileSync(fixture('jobposting-jsonld-zonos-2026.json'), 'utf8');
    const cut = text.slice(0, text.indexOf('"@type": "JobPosting"', text.indexOf('"@type": "JobPosting"') + 1) + 10);
    const { items, error } = await parseUntilError(parseJsonLdFeed, fromText(cut, 500));
    expect(items).toHaveLength(1);
    expect(error.reason).toMatch(/end of input inside a string: the feed is truncated/);
    expect(error.line).toBe(25); // the second posting's "@type" line, where the text stops
  });

  it('stops at invalid JSON with its line and column', async () => {
    const { error } = await parseUntilError(parseJsonLdFeed, fromText('[\n  {"@type": "JobPosting", "title": "A",}\n]'));
    expect([error.line, error.column]).toEqual([2, 40]);
    expect(error.message).toBe("line 2, column 40: Unexpected '}': a trailing comma is not allowed in JSON");
  });
});

describe('France Travail v2: the shipped 1,593 real offers', () => {
  let items: FeedItem[];
  beforeAll(async () => {
    items = await parseAll(parseFranceTravailFeed, shippedFranceTravail());
  });

  it('reads every offer, none with a mapping problem', () => {
    expect(items).toHaveLength(1593);
    expect(items.every((i) => i.input !== null && i.problems.length === 0)).toBe(true);
    // 53 offers give only a department or a region: no postal code, no commune for the service.
    expect(items.filter((i) => !i.input!.location.postalCode && !i.input!.location.communeCode)).toHaveLength(53);
  });

  it('maps an offer field by field from the source', () => {
    const offer = items.find((i) => i.externalId === '196CWQH')!;
    expect(offer.position).toBe('item 1 (line 2)');
    expect(offer.input).toMatchObject({
      title: 'Assistant administratif (H/F)',
      contractType: 'TEMPORARY', // typeContrat MIS, through mapContractType
      location: { postalCode: '74920', communeCode: '74083', city: 'Combloux' },
      publishedAt: new Date('2025-08-04T18:00:50.137Z'),
      applyUrl: 'https://candidat.francetravail.fr/offres/recherche/detail/196CWQH',
    });
    expect(offer.input!.description).toMatch(/^Synergie recherche un ASSISTANT ADMINISTRATIF F\/H/);
  });
});

describe('France Travail v2: the API envelope', () => {
  it('reads the offers of { "resultats": [...] } and ignores the rest', async () => {
    const items = await parseAll(
      parseFranceTravailFeed,
      fs.createReadStream(fixture('france-travail-resultats.json'), { highWaterMark: 256 }),
    );
    expect(items.map((i) => i.externalId)).toEqual(['1250798', '1218075', '183DSNH']);
    expect(items[0].input).toMatchObject({
      contractType: 'PERMANENT',
      location: { postalCode: '01000', communeCode: '01053' },
      salary: { min: 12, max: 12, currency: 'EUR', period: 'HOUR', label: 'Horaire de 12,00 Euros à 12,00 Euros' },
      publishedAt: new Date('2025-08-21T17:30:38.000Z'),
      // Re-routed from a partner board: apply on the posting's own page there.
      applyUrl: expect.stringMatching(/^https:\/\/www\.aladom\.fr\/emploi\/aide-menager/),
    });
    expect(items[1].input!.location).toEqual({}); // "01 - Ain": a department, no commune
    expect(items[2].input).toMatchObject({
      contractType: 'TEMPORARY',
      applyUrl: 'https://candidat.francetravail.fr/offres/recherche/detail/183DSNH',
    });
  });

  it('refuses JSON that is not a France Travail feed', async () => {
    const { error } = await parseUntilError(parseFranceTravailFeed, fromText('{"offers": []}'));
    expect(error.reason).toMatch(/not a France Travail feed/);
  });

  it('reports an offer without id as an item problem', async () => {
    const items = await parseAll(
      parseFranceTravailFeed,
      fromText('[{"intitule": "Sans id"}, {"id": "X1", "intitule": "Vendeur", "typeContrat": "CDD"}]'),
    );
    expect(items.map((i) => [i.externalId, codes([i])])).toEqual([
      [null, ['externalId REQUIRED']],
      ['X1', []],
    ]);
    expect(items[1].input?.contractType).toBe('FIXED_TERM');
  });
});

describe('detectFeedFormat', () => {
  const head = (file: string): Buffer => fs.readFileSync(file).subarray(0, 1024);

  it('tells the real samples apart from their first KB', () => {
    expect(detectFeedFormat(head(fixture('indeed-xml-cookorico-2016.xml')))).toBe('indeed-xml');
    expect(detectFeedFormat(head(fixture('indeed-xml-zonos-2026.xml')))).toBe('indeed-xml');
    expect(detectFeedFormat(head(fixture('jobposting-jsonld-zonos-2026.json')))).toBe('jsonld');
    expect(detectFeedFormat(head(fixture('jsonld-itemlist.json')))).toBe('jsonld');
    expect(detectFeedFormat(head(fixture('jsonld-graph.json')))).toBe('jsonld');
    expect(detectFeedFormat(head(fixture('france-travail-resultats.json')))).toBe('france-travail');
    expect(detectFeedFormat(zlib.gunzipSync(fs.readFileSync(SHIPPED_FRANCE_TRAVAIL_OFFERS)).subarray(0, 1024))).toBe('france-travail');
  });

  it('goes by the first key that gives the format away, and gives up on anything else', () => {
    expect(detectFeedFormat('\ufeff  [{"@type": "JobPosting", "description": "intitule"}]')).toBe('jsonld');
    expect(detectFeedFormat('{"resultats": [{"id": "1"}]}')).toBe('france-travail');
    expect(detectFeedFormat('[{"id": 1, "name": "x"}]')).toBeNull();
    expect(detectFeedFormat('id;title\n1;x')).toBeNull();
  });
});
