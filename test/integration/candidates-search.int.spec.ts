import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { agencyScope } from '../../src/candidates/candidate.service';
import { getReferentials } from '../../src/referentials/referential.service';
import { createPartner } from '../factories';
import { createConsent, createCv } from '../factories/candidates';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const SEARCH = `query($f: CandidateFilter, $first: Int, $after: String) {
  candidates(filter: $f, first: $first, after: $after) {
    edges { cursor node { id headline } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;

/** Great-circle distance in km between two communes' centres (the test's own brute force). */
function km(a: string, b: string): number {
  const ca = getReferentials().commune(a)!;
  const cb = getReferentials().commune(b)!;
  const rad = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(cb.latitude! - ca.latitude!) / 2) ** 2 +
    Math.cos(rad(ca.latitude!)) * Math.cos(rad(cb.latitude!)) * Math.sin(rad(cb.longitude! - ca.longitude!) / 2) ** 2;
  return 6371.0088 * 2 * Math.asin(Math.sqrt(h));
}

describe.each(engines())('candidate search on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let asPartner: ReturnType<TestHub['as']>;
  const homes: Record<string, { commune: string; mobility: number }> = {
    cook: { commune: '74010', mobility: 30 },
    developer: { commune: '69123', mobility: 10 },
    pastry: { commune: '73065', mobility: 100 },
    forklift: { commune: '74010', mobility: 0 },
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestHub(engine, 'cv-search');
    partner = await createPartner(t.dataSource);
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    const base = { summary: null, experiences: [], education: [] };
    const specs = {
      cook: {
        headline: 'Cuisinier',
        romeCodes: ['G1602'],
        skills: ['HACCP', 'Cuisine traditionnelle'],
        desiredContractTypes: ['PERMANENT' as const],
        availableFrom: null,
      },
      developer: {
        headline: 'Développeur web',
        romeCodes: ['M1805'],
        skills: ['TypeScript', 'Node.js'],
        desiredContractTypes: ['FREELANCE' as const, 'FIXED_TERM' as const],
        availableFrom: '2031-01-01',
      },
      pastry: {
        headline: 'Pâtissier saisonnier',
        romeCodes: ['G1602'],
        skills: ['Pâtisserie'],
        desiredContractTypes: ['SEASONAL' as const],
        availableFrom: '2030-02-01',
      },
      forklift: {
        headline: 'Cariste',
        romeCodes: ['N1101'],
        skills: ['CACES 3'],
        desiredContractTypes: ['TEMPORARY' as const],
        availableFrom: null,
      },
    };
    for (const [key, spec] of Object.entries(specs)) {
      const cv = await createCv(t, {
        ...base,
        ...spec,
        location: { communeCode: homes[key].commune },
        mobilityRadiusKm: homes[key].mobility,
      });
      await createConsent(t, cv, { partner: null });
      ids[key] = toGlobalId('CandidateCV', cv.id);
    }
    // A CV the partner may not see matches every filter below and must never show up.
    const hidden = await createCv(t, {
      ...base,
      ...specs.cook,
      romeCodes: ['G1602', 'M1805', 'N1101'],
      skills: ['HACCP', 'Cuisine traditionnelle', 'TypeScript', 'Pâtisserie'],
      mobilityRadiusKm: 500,
    });
    await createConsent(t, hidden, { partner: await createPartner(t.dataSource) });
  });
  afterAll(() => t?.close());

  const found = async (filter: Record<string, unknown>) => {
    const res = await asPartner(SEARCH, { f: filter, first: 100 });
    expectNoErrors(res);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return res.data.candidates.edges.map((e: any) => byId[e.node.id] ?? 'HIDDEN').sort();
  };

  it.each<[string, Record<string, unknown>, string[]]>([
    ['no filter', {}, ['cook', 'developer', 'forklift', 'pastry']],
    ['keywords, accents and case ignored, word prefixes', { keywords: 'PATISS' }, ['pastry']],
    ['keywords, every word', { keywords: 'dével web' }, ['developer']],
    ['keywords over skills', { keywords: 'caces' }, ['forklift']],
    ['keywords matching nothing', { keywords: 'plombier' }, []],
    ['romeCodes: any of', { romeCodes: ['G1602', 'm1805'] }, ['cook', 'developer', 'pastry']],
    ['skills: every one, accents and case ignored', { skills: ['haccp', 'CUISINE  traditionnelle'] }, ['cook']],
    ['skills: every one or nothing', { skills: ['HACCP', 'TypeScript'] }, []],
    ['departmentCodes', { departmentCodes: ['74'] }, ['cook', 'forklift']],
    ['contractTypes: any of', { contractTypes: ['SEASONAL', 'FREELANCE'] }, ['developer', 'pastry']],
    ['availableBefore (no date: available now)', { availableBefore: '2030-06-01' }, ['cook', 'forklift', 'pastry']],
    ['ROME and department together', { romeCodes: ['G1602'], departmentCodes: ['73'] }, ['pastry']],
    ['ROME and departments together', { romeCodes: ['G1602', 'N1101'], departmentCodes: ['74', '69'] }, ['cook', 'forklift']],
    ['skill and department together', { skills: ['haccp'], departmentCodes: ['73'] }, []],
    ['contract and department together', { contractTypes: ['TEMPORARY', 'FREELANCE'], departmentCodes: ['74'] }, ['forklift']],
  ])('filters: %s', async (_name, filter, expected) => {
    expect(await found(filter)).toEqual(expected);
  });

  it.each<[string, number]>([
    ['74010', 50],
    ['74010', 20],
    ['73065', 100],
    ['69123', 500],
    ['74056', 60],
  ])('near %s within %d km: the place is within the candidate mobility radius', async (commune, radiusKm) => {
    const expected = Object.entries(homes)
      .filter(([, home]) => {
        const d = km(commune, home.commune);
        return d <= radiusKm && d <= home.mobility;
      })
      .map(([key]) => key)
      .sort();
    expect(await found({ near: { communeCode: commune, radiusKm } })).toEqual(expected);
  });

  it('rejects bad filters and paging arguments as BAD_USER_INPUT naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ f: { romeCodes: ['X1'] }, first: 5 }, 'filter.romeCodes'],
      [{ f: { departmentCodes: ['999'] } }, 'filter.departmentCodes'],
      [{ f: { near: { postalCode: '74000', radiusKm: 0 } } }, 'filter.near.radiusKm'],
      [{ f: { near: { postalCode: '99999', radiusKm: 10 } } }, 'filter.near.postalCode'],
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'garbage' }, 'after'],
      [{ after: Buffer.from('p:1700000000000:5').toString('base64url') }, 'after'], // an offers cursor
    ];
    for (const [variables, field] of cases) {
      const res = await asPartner(SEARCH, variables);
      expect({ field, code: res.errors?.[0].extensions?.code, at: res.errors?.[0].extensions?.field }).toEqual({
        field,
        code: 'BAD_USER_INPUT',
        at: field,
      });
    }
    const date = await asPartner(SEARCH, { f: { availableBefore: '2026-13-45' } });
    expect(date.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages with a keyset cursor: no duplicate, no gap, newest update first, stable under inserts', async () => {
    const all = await asPartner(SEARCH, { first: 100 });
    const expected = all.data.candidates.edges.map((e: any) => e.node.id);
    expect(expected).toHaveLength(4);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await asPartner(SEARCH, { first: 1, after });
      expectNoErrors(res);
      const { edges, pageInfo } = res.data.candidates;
      expect(pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...edges.map((e: any) => e.node.id));
      if (pages++ === 0) {
        // A CV published (and shared) after the first page lands before it, never in the pages after.
        const late = await createCv(t, { headline: 'Published while paging' });
        await createConsent(t, late, { partner });
      }
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    const first = await asPartner(SEARCH, { first: 1 });
    expect(first.data.candidates.edges[0].node.headline).toBe('Published while paging');
  });

  it('sends a small constant number of SQL statements for candidates(first: 50) with contacts', async () => {
    const other = await createPartner(t.dataSource);
    const send = t.as(await issueKey(t, 'PARTNER', other));
    for (let i = 0; i < 55; i++) {
      const cv = await createCv(t, { headline: `Batch ${i}`, location: { communeCode: '74056' } });
      await createConsent(t, cv, { partner: other, shareContact: i % 2 === 0 });
    }
    const QUERY = `query($n: Int) { candidates(first: $n, filter: { departmentCodes: ["74"] }) { edges { cursor node {
      id headline summary skills romeCodes rome { code label } location { city postalCode } mobilityRadiusKm desiredContractTypes
      availableFrom experiences { title from to } education { title year } languages drivingLicences updatedAt
      contact { name email phone } } } pageInfo { hasNextPage endCursor } } }`;
    await send(QUERY, { n: 1 }); // warm-up: the key's lastUsedAt write
    const measure = async (n: number) => {
      await t.settle();
      const before = t.sqlCount();
      const res = await send(QUERY, { n });
      expectNoErrors(res);
      const edges = res.data.candidates.edges;
      expect(edges).toHaveLength(n);
      expect(edges.filter((e: any) => e.node.contact?.email).length).toBeGreaterThanOrEqual(Math.floor(n / 2) - 1);
      return t.sqlCount() - before;
    };
    const ten = await measure(10);
    const fifty = await measure(50);
    expect(fifty).toBe(ten);
    // key lookup, page (consents joined in), contacts, and the access-log write (begin, insert, commit)
    expect(fifty).toBeLessThanOrEqual(6);
  });

  // Last: it adds CVs the tests above do not expect.
  it('pages a search by one ROME code alone newest first, as the general search does, and follows updates', async () => {
    const base = { summary: null, experiences: [], education: [], romeCodes: ['K2605'], location: { communeCode: '69123' } };
    const made = [];
    for (let i = 0; i < 7; i++) {
      const cv = await createCv(t, { ...base, headline: `Agent ${i}`, updatedAt: new Date(Date.UTC(2026, 0, 1 + (i % 3), 12)) });
      if (i !== 3) await createConsent(t, cv, { partner: null }); // one is not shared
      made.push(cv);
    }
    const ids = async (filter: Record<string, unknown>, first: number) => {
      const out: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: any = await asPartner(SEARCH, { f: filter, first, after });
        expectNoErrors(res);
        out.push(...res.data.candidates.edges.map((e: any) => e.node.id));
        if (!res.data.candidates.pageInfo.hasNextPage) return out;
        after = res.data.candidates.pageInfo.endCursor;
      }
    };
    // Driven by the term (one code, no department) vs the general plan (a second code nobody has).
    const driven = await ids({ romeCodes: ['K2605'] }, 2);
    expect(driven).toHaveLength(6);
    expect(driven).toEqual(await ids({ romeCodes: ['K2605', 'A1101'] }, 100));
    // Newest update first, ties by id (highest first).
    const byRecency = made
      .filter((_, i) => i !== 3)
      .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.id - a.id)
      .map((cv) => toGlobalId('CandidateCV', cv.id));
    expect(driven).toEqual(byRecency);
    // An update makes the CV the newest in this search too.
    const oldest = made[0];
    await t.hub.services.candidates.update(agencyScope(), oldest.id, { ...oldest.input, headline: 'Agent mis à jour' });
    expect((await ids({ romeCodes: ['K2605'] }, 1))[0]).toBe(toGlobalId('CandidateCV', oldest.id));
  });
});
