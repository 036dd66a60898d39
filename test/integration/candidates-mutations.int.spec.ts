import type { PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { createPartner } from '../factories';
import { createConsent, createCv, cvInput } from '../factories/candidates';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';

const PUBLISH = `mutation($i: CVInput!) { publishCV(input: $i) {
  id candidateRef headline summary skills romeCodes rome { code } location { communeCode postalCode city departmentCode regionCode }
  mobilityRadiusKm desiredContractTypes availableFrom experiences { title employer from to description } education { title level year }
  languages drivingLicences updatedAt contact { name email phone } } }`;
const UPDATE = 'mutation($id: ID!, $i: CVInput!) { updateCV(id: $id, input: $i) { id headline skills updatedAt contact { email phone } } }';
const GRANT =
  'mutation($cv: ID!, $p: ID, $s: Boolean!, $e: DateTime) { grantCVConsent(cvId: $cv, partnerId: $p, shareContact: $s, expiresAt: $e) { id scope partner { id } shareContact grantedAt expiresAt revokedAt status cv { id } } }';
const REVOKE = 'mutation($id: ID!) { revokeCVConsent(consentId: $id) { id revokedAt status } }';
const ERASE =
  'mutation($id: ID!) { eraseCandidate(cvId: $id) { cvPseudonym consentsErased accessLogEntriesKept partnersToNotify { id } } }';

const codeOf = (res: GraphQLResponse) => res.errors?.[0].extensions?.code;

describe.each(engines())('candidate CV mutations on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let asAgency: ReturnType<TestHub['as']>;
  let asPartner: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'cv-mutations');
    partner = await createPartner(t.dataSource);
    asAgency = t.as(await issueKey(t, 'AGENCY'));
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
  });
  afterAll(() => t?.close());

  it('publishes a CV: normalised, located in a real commune, contact stored apart', async () => {
    const input = cvInput({
      candidateRef: 'FT-12345',
      headline: '  Cuisinier <b>confirmé</b>  ',
      skills: ['HACCP', 'haccp', ' Cuisine  traditionnelle '],
      romeCodes: ['g1602'],
      location: { postalCode: '74000' },
      mobilityRadiusKm: null,
      availableFrom: '2030-09-01',
      contact: { name: 'Camille Martin', email: 'Camille.Martin@Example.FR', phone: '06 12 34 56 78' },
    });
    const res = await asAgency(PUBLISH, { i: input });
    expectNoErrors(res);
    expect(res.data.publishCV).toMatchObject({
      candidateRef: 'FT-12345',
      headline: 'Cuisinier confirmé',
      skills: ['HACCP', 'Cuisine traditionnelle'],
      romeCodes: ['G1602'],
      rome: [{ code: 'G1602' }],
      location: { communeCode: '74010', postalCode: '74000', city: 'Annecy', departmentCode: '74', regionCode: '84' },
      mobilityRadiusKm: 30,
      availableFrom: '2030-09-01',
      experiences: [
        {
          title: 'Chef de partie',
          employer: 'Brasserie du Lac',
          from: '2018-01-01',
          to: '2024-06-30',
          description: 'Garde-manger et sauces.',
        },
      ],
      education: [{ title: 'CAP Cuisine', level: 'CAP', year: 2012 }],
      drivingLicences: ['B'],
      contact: { name: 'Camille Martin', email: 'camille.martin@example.fr', phone: '0612345678' },
    });
    const id = Number(Buffer.from(res.data.publishCV.id, 'base64url').toString().split(':')[1]);
    const [row] = await t.dataSource.query('SELECT * FROM candidate_cv WHERE id = ?', [id]);
    expect(JSON.stringify(row)).not.toMatch(/Camille|example\.fr|0612345678/);
    const contacts = await t.dataSource.query('SELECT email FROM candidate_contact WHERE cv_id = ?', [id]);
    expect(contacts).toEqual([{ email: 'camille.martin@example.fr' }]);

    const again = await asAgency(PUBLISH, { i: cvInput({ candidateRef: 'FT-12345' }) });
    expect(codeOf(again)).toBe('CONFLICT');
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['empty headline', 'input.headline', { headline: '  ' }],
    ['unknown postal code', 'input.location.postalCode', { location: { postalCode: '99999' } }],
    ['no place', 'input.location.postalCode', { location: { city: 'Annecy' } }],
    ['unknown ROME code', 'input.romeCodes', { romeCodes: ['Z9999'] }],
    ['mobility over 500 km', 'input.mobilityRadiusKm', { mobilityRadiusKm: 501 }],
    ['bad email', 'input.contact.email', { contact: { email: 'not-an-email' } }],
    ['bad phone', 'input.contact.phone', { contact: { phone: '12' } }],
    [
      'experience ending before it starts',
      'input.experiences[0].to',
      { experiences: [{ title: 'X', from: '2020-01-01', to: '2019-01-01' }] },
    ],
    ['too many skills', 'input.skills', { skills: Array.from({ length: 51 }, (_, i) => `skill ${i}`) }],
    ['spaces in candidateRef', 'input.candidateRef', { candidateRef: 'a b' }],
  ])('rejects a CV with %s: BAD_USER_INPUT on %s', async (_name, field, overrides) => {
    const res = await asAgency(PUBLISH, { i: cvInput(overrides as never) });
    expect({ code: codeOf(res), field: res.errors?.[0].extensions?.field }).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('a CV that moves is found by ROME, skill and contract within its new department only', async () => {
    const cv = await createCv(t, {
      romeCodes: ['G1602'],
      skills: ['HACCP'],
      desiredContractTypes: ['SEASONAL'],
      location: { communeCode: '74010' },
    });
    await createConsent(t, cv, { partner });
    const id = toGlobalId('CandidateCV', cv.id);
    const inDepartment = async (department: string) => {
      const res = await asPartner(
        `query($d: [String!]) { a: candidates(first: 100, filter: { romeCodes: ["G1602"], departmentCodes: $d }) { edges { node { id } } }
          b: candidates(first: 100, filter: { skills: ["haccp"], departmentCodes: $d }) { edges { node { id } } }
          c: candidates(first: 100, filter: { contractTypes: [SEASONAL], departmentCodes: $d }) { edges { node { id } } } }`,
        { d: [department] },
      );
      expectNoErrors(res);
      return ['a', 'b', 'c'].map((k) => res.data[k].edges.some((e: any) => e.node.id === id));
    };
    expect(await inDepartment('74')).toEqual([true, true, true]);
    expectNoErrors(await asAgency(UPDATE, { id, i: { ...cv.input, location: { communeCode: '33063' } } }));
    expect(await inDepartment('74')).toEqual([false, false, false]);
    expect(await inDepartment('33')).toEqual([true, true, true]);
  });

  it('updates a CV as a whole: content, terms and contact replaced, consents kept', async () => {
    const cv = await createCv(t, { skills: ['HACCP'] });
    await createConsent(t, cv, { partner, shareContact: true });
    const id = toGlobalId('CandidateCV', cv.id);
    const res = await asAgency(UPDATE, {
      id,
      i: { ...cv.input, headline: 'Chef de cuisine', skills: ['Management'], contact: { email: 'new@example.fr' } },
    });
    expectNoErrors(res);
    expect(res.data.updateCV).toMatchObject({
      id,
      headline: 'Chef de cuisine',
      skills: ['Management'],
      contact: { email: 'new@example.fr', phone: null },
    });
    expect(new Date(res.data.updateCV.updatedAt).getTime()).toBeGreaterThanOrEqual(cv.updatedAt.getTime());
    const search = await asPartner(
      '{ a: candidates(filter: { skills: ["management"] }) { edges { node { id } } } b: candidates(filter: { skills: ["haccp"] }) { edges { node { id } } } }',
    );
    expect(search.data.a.edges.map((e: any) => e.node.id)).toContain(id);
    expect(search.data.b.edges.map((e: any) => e.node.id)).not.toContain(id);
    const removed = await asAgency(UPDATE, { id, i: { ...cv.input, contact: null } });
    expect(removed.data.updateCV.contact).toBeNull();
    expect(await t.dataSource.query('SELECT cv_id FROM candidate_contact WHERE cv_id = ?', [cv.id])).toEqual([]);
    expect(codeOf(await asAgency(UPDATE, { id: toGlobalId('CandidateCV', 999_999), i: cvInput() }))).toBe('NOT_FOUND');
    const other = await createCv(t);
    expect(codeOf(await asAgency(UPDATE, { id, i: { ...cv.input, candidateRef: other.input.candidateRef } }))).toBe('CONFLICT');
  });

  it('grants consents for 2 years by default and never longer', async () => {
    const cv = await createCv(t);
    const cvId = toGlobalId('CandidateCV', cv.id);
    const res = await asAgency(GRANT, { cv: cvId, p: toGlobalId('Partner', partner.id), s: true });
    expectNoErrors(res);
    const consent = res.data.grantCVConsent;
    expect(consent).toMatchObject({
      scope: 'PARTNER',
      partner: { id: toGlobalId('Partner', partner.id) },
      shareContact: true,
      revokedAt: null,
      status: 'ACTIVE',
      cv: { id: cvId },
    });
    const granted = new Date(consent.grantedAt);
    const twoYears = new Date(granted);
    twoYears.setUTCFullYear(twoYears.getUTCFullYear() + 2);
    expect(new Date(consent.expiresAt).getTime()).toBe(twoYears.getTime());

    const all = await asAgency(GRANT, { cv: cvId, p: null, s: false, e: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(all.data.grantCVConsent).toMatchObject({ scope: 'ALL_PARTNERS', partner: null });

    const tooLong = await asAgency(GRANT, { cv: cvId, s: false, e: new Date(Date.now() + 2 * 366 * 86_400_000).toISOString() });
    expect({ code: codeOf(tooLong), field: tooLong.errors?.[0].extensions?.field }).toEqual({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    expect(codeOf(await asAgency(GRANT, { cv: cvId, s: false, e: new Date(Date.now() - 1000).toISOString() }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await asAgency(GRANT, { cv: toGlobalId('CandidateCV', 999_999), s: false }))).toBe('NOT_FOUND');
    expect(codeOf(await asAgency(GRANT, { cv: cvId, p: toGlobalId('Partner', 999_999), s: false }))).toBe('NOT_FOUND');
    expect(codeOf(await asAgency(GRANT, { cv: 'garbage', s: false }))).toBe('BAD_USER_INPUT');
  });

  it('revokes by stamping the one record: nothing is deleted, a second revoke keeps the first date', async () => {
    const cv = await createCv(t);
    const a = await createConsent(t, cv, { partner });
    const b = await createConsent(t, cv, { partner: null });
    const first = await asAgency(REVOKE, { id: toGlobalId('Consent', a.id) });
    expectNoErrors(first);
    expect(first.data.revokeCVConsent.status).toBe('REVOKED');
    const second = await asAgency(REVOKE, { id: toGlobalId('Consent', a.id) });
    expect(second.data.revokeCVConsent.revokedAt).toBe(first.data.revokeCVConsent.revokedAt);
    const rows = await t.dataSource.query('SELECT id, revoked_at FROM consent WHERE cv_id = ? ORDER BY id', [cv.id]);
    expect(rows.map((r: any) => [Number(r.id), r.revoked_at !== null])).toEqual([
      [a.id, true],
      [b.id, false],
    ]);
    expect(codeOf(await asAgency(REVOKE, { id: toGlobalId('Consent', 999_999) }))).toBe('NOT_FOUND');
  });

  it('lets only the agency write: UNAUTHENTICATED for the public, FORBIDDEN for partners', async () => {
    const cv = await createCv(t);
    const consent = await createConsent(t, cv, { partner });
    const cvId = toGlobalId('CandidateCV', cv.id);
    const calls: Array<[string, Record<string, unknown>]> = [
      [PUBLISH, { i: cvInput() }],
      [UPDATE, { id: cvId, i: cvInput() }],
      [GRANT, { cv: cvId, s: true }],
      [REVOKE, { id: toGlobalId('Consent', consent.id) }],
      [ERASE, { id: cvId }],
    ];
    for (const [query, variables] of calls) {
      expect(codeOf(await t.gql(query, variables))).toBe('UNAUTHENTICATED');
      expect(codeOf(await asPartner(query, variables))).toBe('FORBIDDEN');
    }
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM consent WHERE cv_id = ? AND revoked_at IS NULL', [cv.id]);
    expect(Number(n)).toBe(1);
  });
});
