import {
  countryProblem,
  finalProblems,
  mapContract,
  readFeedDate,
  recoverTemplateText,
  romeCodeOf,
  salaryInput,
} from '../../src/ingestion/feeds/feed-mapping';
import type { OfferInput } from '../../src/ingestion/ingestion.types';
import { parseSalary } from '../../src/lib/salary-parser';

describe('recoverTemplateText', () => {
  it("recovers the value a broken template printed (cookorico's jobtype, experience, education)", () => {
    expect(recoverTemplateText(`'.{"id":1,"title":"CDI"}->title.'`)).toBe('CDI');
    expect(recoverTemplateText(`'.{"id":7,"title":"Int\\u00e9rim"}->title.'`)).toBe('Intérim');
    expect(recoverTemplateText(`'.{"id":2,"title":"D\\u00e9butant(e)"}->title.'`)).toBe('Débutant(e)');
  });

  it('leaves ordinary text alone and gives up on residue it cannot read', () => {
    expect(recoverTemplateText('CDD 6 mois')).toBe('CDD 6 mois');
    expect(recoverTemplateText(`'.{"id":9}->title.'`)).toBeNull();
    expect(recoverTemplateText(`'.{broken json}->title.'`)).toBeNull();
    expect(recoverTemplateText('{{ job.type }}')).toBeNull();
    expect(recoverTemplateText('<?php echo $type ?>')).toBeNull();
  });
});

describe('mapContract', () => {
  it.each([
    // schema.org employmentType
    [['FULL_TIME'], 'PERMANENT', true],
    [['PART_TIME'], 'PERMANENT', false],
    [['FULL_TIME', 'TEMPORARY'], 'TEMPORARY', true],
    [['CONTRACTOR'], 'FREELANCE', null],
    [['SEASONAL'], 'SEASONAL', null],
    [['PER_DIEM'], 'FIXED_TERM', null],
    [['FULL_TIME', 'PART_TIME'], 'PERMANENT', null],
    // Indeed jobtype, English (Indeed France calls "contract" CDD)
    [['fulltime'], 'PERMANENT', true],
    [['parttime, temporary'], 'TEMPORARY', false],
    [['contract'], 'FIXED_TERM', null],
    [['Full-time'], 'PERMANENT', true],
    // French, including what cookorico's templates hold once recovered
    [['CDI'], 'PERMANENT', null],
    [['CDD'], 'FIXED_TERM', null],
    [['Extra'], 'FIXED_TERM', null],
    [['Intérim'], 'TEMPORARY', null],
    [['Contrat pro'], 'APPRENTICESHIP', null],
    [['Apprentissage'], 'APPRENTICESHIP', null],
    [['Alternance (CDD 24 mois)'], 'APPRENTICESHIP', null],
    [['Saisonnier - temps plein'], 'SEASONAL', true],
    [['Freelance / Indépendant'], 'FREELANCE', null],
    [['CDI intérimaire'], 'PERMANENT', null],
    [['CDD / CDI'], 'FIXED_TERM', null], // never claim a permanent job we are not sure of
    [['Contrat à durée indéterminée'], 'PERMANENT', null],
    [['Temps partiel'], 'PERMANENT', false],
  ])('%j → %s (full time %s)', (values, contractType, fullTime) => {
    expect(mapContract(values, 'employmentType')).toEqual({ contractType, fullTime, problem: null });
  });

  it('refuses internships and volunteering, which are not employment contracts', () => {
    for (const values of [['Stage'], ['INTERN'], ['internship'], ['VOLUNTEER'], ['Service civique']]) {
      const mapping = mapContract(values, '<jobtype>');
      expect(mapping.contractType).toBeNull();
      expect(mapping.problem).toMatchObject({ field: 'contractType', code: 'UNMAPPABLE' });
    }
    expect(mapContract(['Stage'], '<jobtype>').problem!.message).toBe(
      'contractType: <jobtype> "Stage" is an internship (stage), not an employment contract; Passerelle publishes job offers only',
    );
  });

  it('says when the contract is unknown or missing', () => {
    expect(mapContract(['OTHER'], 'employmentType').problem).toMatchObject({
      code: 'UNMAPPABLE',
      message: expect.stringContaining('"OTHER"'),
    });
    expect(mapContract(['Poste à pourvoir'], '<jobtype>').problem).toMatchObject({ code: 'UNMAPPABLE' });
    expect(mapContract([], '<jobtype>').problem).toMatchObject({ field: 'contractType', code: 'REQUIRED' });
    expect(mapContract(['  '], '<jobtype>').problem).toMatchObject({ code: 'REQUIRED' });
  });
});

describe('readFeedDate', () => {
  it.each([
    ['2016-11-14', '2016-11-14T00:00:00.000Z'],
    ['2025-09-01T08:30:00+02:00', '2025-09-01T06:30:00.000Z'],
    ['2025-08-04T18:00:50', '2025-08-04T18:00:50.000Z'],
    ['Fri, 10 Dec 2008 22:49:39 GMT', '2008-12-10T22:49:39.000Z'],
    ['14/11/2016', '2016-11-14T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(readFeedDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['le 3 mars', '31/02/2016', '2016-13-01', 'demain'])('refuses %s (which Date alone might accept)', (text) => {
    expect(readFeedDate(text)).toBeNull();
  });
});

describe('salaryInput', () => {
  it('sends amounts only with a period the service knows', () => {
    expect(salaryInput(parseSalary('2 800 € - 3 400 € par mois'))).toEqual({
      min: 2800,
      max: 3400,
      currency: 'EUR',
      period: 'MONTH',
      label: '2 800 € - 3 400 € par mois',
    });
    expect(salaryInput(parseSalary('60€/jour'))).toEqual({ label: '60€/jour' });
    expect(salaryInput(parseSalary('Selon profil'))).toEqual({ label: 'Selon profil' });
    expect(salaryInput(parseSalary('N/A'))).toBeUndefined();
  });
});

describe('countryProblem, romeCodeOf, finalProblems', () => {
  it('accepts France however it is written, and nothing else', () => {
    for (const country of ['FR', 'FRANCE', 'France', 'fra', 'Réunion', 'GP', '', null, undefined])
      expect(countryProblem(country)).toBeNull();
    expect(countryProblem('US')).toMatchObject({ field: 'location', code: 'UNSUPPORTED_COUNTRY' });
    expect(countryProblem('Belgique')).toMatchObject({ code: 'UNSUPPORTED_COUNTRY' });
  });

  it('keeps ROME codes only', () => {
    expect(romeCodeOf('g1703')).toBe('G1703');
    expect(romeCodeOf('M1805 - Études et développement informatique')).toBe('M1805');
    expect(romeCodeOf('15-1252.00')).toBeNull(); // an O*NET code
    expect(romeCodeOf('Réceptionniste / Tournant de réception')).toBeNull();
  });

  it('turns away obvious test postings only', () => {
    const input = (title: string) => ({ title }) as OfferInput;
    expect(finalProblems(input('test'))).toEqual([
      { field: 'title', code: 'TEST_POSTING', message: 'title: "test" looks like a test posting; it is not published' },
    ]);
    expect(finalProblems(input('TEST 2'))).toHaveLength(1);
    expect(finalProblems(input('Testeur logiciel'))).toEqual([]);
    expect(finalProblems(input('Chef de partie')).length).toBe(0);
  });
});
