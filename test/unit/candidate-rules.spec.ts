import {
  buildCandidateQuery,
  decodeCandidateCursor,
  encodeCandidateCursor,
  normalizeCandidateFilter,
} from '../../src/candidates/candidate-filter';
import { addYears } from '../../src/candidates/candidate.service';
import { cvSearchText, normalizeSkill, validateCvInput } from '../../src/candidates/candidate-validation';
import { CvAccessRecorder } from '../../src/candidates/cv-access-recorder';
import { loadConfig } from '../../src/config';
import { cvInput } from '../factories/candidates';

describe('candidate cursors', () => {
  it('round-trips and rejects anything it did not make', () => {
    const cursor = encodeCandidateCursor({ updatedAt: 1_790_000_000_123, id: 42 });
    expect(decodeCandidateCursor(cursor)).toEqual({ updatedAt: 1_790_000_000_123, id: 42 });
    for (const bad of [
      '',
      'x',
      Buffer.from('p:1:2').toString('base64url'),
      Buffer.from('u:1:0').toString('base64url'),
      Buffer.from('u:-1:2').toString('base64url'),
      'a'.repeat(200),
    ]) {
      expect(() => decodeCandidateCursor(bad)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) }),
      );
    }
  });

  it('bounds first to 0..100', () => {
    expect(buildCandidateQuery({}).first).toBe(20);
    expect(buildCandidateQuery({ first: 100 }).first).toBe(100);
    expect(() => buildCandidateQuery({ first: 101 })).toThrow(/first/);
  });
});

describe('candidate filters', () => {
  it('normalises like the offer search and adds skills and availability', () => {
    expect(
      normalizeCandidateFilter({
        keywords: 'Pâtissier de la MER',
        romeCodes: ['g1602', 'G1602'],
        departmentCodes: ['2a'],
        skills: ['  Pâtisserie  fine ', 'PATISSERIE FINE', ''],
        availableBefore: new Date('2030-01-31T00:00:00Z') as unknown as string,
      }),
    ).toEqual({
      keywordTokens: ['patissier', 'mer'],
      romeCodes: ['G1602'],
      departmentCodes: ['2A'],
      skills: ['patisserie fine'],
      availableBefore: '2030-01-31',
    });
    expect(normalizeCandidateFilter(null)).toEqual({});
    expect(() => normalizeCandidateFilter({ romeCodes: ['nope'] })).toThrow(/filter.romeCodes/);
  });
});

describe('CV validation', () => {
  it('normalises text, terms and contact', () => {
    const cv = validateCvInput(
      cvInput({
        headline: 'Soudeur <script>x</script>TIG',
        skills: ['Soudure TIG', 'soudure tig', 'Lecture de plans'],
        desiredContractTypes: ['TEMPORARY', 'TEMPORARY'],
        contact: { name: ' Jean  Dupont ', email: 'JEAN@EXAMPLE.FR', phone: '+33 6.12.34.56.78' },
      }),
    );
    expect(cv.headline).toBe('Soudeur TIG');
    expect(cv.skills).toEqual(['Soudure TIG', 'Lecture de plans']);
    expect(cv.terms).toEqual([
      { kind: 'ROME', value: 'G1602' },
      { kind: 'SKILL', value: 'soudure tig' },
      { kind: 'SKILL', value: 'lecture de plans' },
      { kind: 'CONTRACT', value: 'TEMPORARY' },
    ]);
    expect(cv.contact).toEqual({ name: 'Jean Dupont', email: 'jean@example.fr', phone: '+33612345678' });
    expect(cv.searchText.startsWith(' soudeur tig ')).toBe(true);
    expect(cv.searchText).not.toMatch(/jean|dupont|example/);
    expect(validateCvInput(cvInput({ contact: { name: ' ', email: null } })).contact).toBeNull();
  });

  it('builds a space-led, accent-free search text', () => {
    expect(cvSearchText(['Éducatrice spécialisée', null, 'Aide-soignante'])).toBe(' educatrice specialisee aide soignante');
    expect(normalizeSkill('  Électricité   BT ')).toBe('electricite bt');
  });
});

describe('consent and retention arithmetic', () => {
  it('adds calendar years in UTC, 29 February becoming 28 February', () => {
    expect(addYears(new Date('2026-03-10T12:00:00.000Z'), 2).toISOString()).toBe('2028-03-10T12:00:00.000Z');
    expect(addYears(new Date('2028-02-29T08:00:00.000Z'), 2).toISOString()).toBe('2030-02-28T08:00:00.000Z');
    expect(addYears(new Date('2028-02-29T08:00:00.000Z'), -1).toISOString()).toBe('2027-02-28T08:00:00.000Z');
  });

  it('reads RETENTION_INTERVAL_MINUTES', () => {
    const retentionIntervalMs = (env: NodeJS.ProcessEnv) => loadConfig(env).background.retentionIntervalMs;
    expect(retentionIntervalMs({})).toBe(3_600_000);
    expect(retentionIntervalMs({ RETENTION_INTERVAL_MINUTES: '0.5' })).toBe(30_000);
    expect(() => retentionIntervalMs({ RETENTION_INTERVAL_MINUTES: '0' })).toThrow(/RETENTION_INTERVAL_MINUTES/);
    expect(() => retentionIntervalMs({ RETENTION_INTERVAL_MINUTES: 'soon' })).toThrow(/RETENTION_INTERVAL_MINUTES/);
  });
});

describe('CvAccessRecorder', () => {
  it('keeps one entry per CV and field, and remembers that CV data was disclosed', () => {
    const recorder = new CvAccessRecorder();
    expect(recorder.containsCvData).toBe(false);
    const read = { partnerId: 1, apiKeyId: 2, cvPseudonym: 'p1', consentId: 3 };
    recorder.record({ ...read, field: 'SUMMARY' });
    recorder.record({ ...read, field: 'SUMMARY' });
    recorder.record({ ...read, field: 'CONTACT' });
    recorder.record({ ...read, cvPseudonym: 'p2', field: 'SUMMARY' });
    expect(recorder.entries().map((e) => `${e.cvPseudonym}:${e.field}`)).toEqual(['p1:SUMMARY', 'p1:CONTACT', 'p2:SUMMARY']);
    expect(recorder.containsCvData).toBe(true);
  });
});
