import { loadShippedFranceTravailOffers } from '../../src/ingestion/feeds/france-travail.mapper';
import { HOURS_PER_YEAR, parseSalary, yearlySalary, type ParsedSalary } from '../../src/lib/salary-parser';

type Expected = Pick<ParsedSalary, 'min' | 'max' | 'period'> & Partial<ParsedSalary>;

/** Every case is a string found in the real France Travail offers (salaire.libelle / commentaire). */
function expectSalary(label: string, expected: Expected): void {
  const parsed = parseSalary(label);
  expect(parsed).not.toBeNull();
  expect(parsed).toMatchObject({ currency: 'EUR', ...expected });
}

describe('parseSalary: France Travail salaire.libelle', () => {
  it.each<[string, Expected]>([
    // monthly, with and without "sur N mois", dot and comma decimals
    ['Mensuel de 1824.00 Euros sur 12 mois', { min: 1824, max: null, period: 'MONTH', monthsPerYear: 12 }],
    ['Mensuel de 1810.00 Euros sur 12 mois', { min: 1810, max: null, period: 'MONTH', monthsPerYear: 12 }],
    ['Mensuel de 2000.0 Euros à 2300.0 Euros sur 12.0 mois', { min: 2000, max: 2300, period: 'MONTH', monthsPerYear: 12 }],
    ['Mensuel de 1764,00 Euros', { min: 1764, max: null, period: 'MONTH', monthsPerYear: null }],
    ['Mensuel de 1650,00 Euros à 1700,00 Euros', { min: 1650, max: 1700, period: 'MONTH' }],
    ['Mensuel de 4000.0 Euros à 6000.0 Euros sur 13.0 mois', { min: 4000, max: 6000, period: 'MONTH', monthsPerYear: 13 }],
    ['Mensuel de 774.77 Euros à 1808.8 Euros sur 13.3 mois', { min: 774.77, max: 1808.8, period: 'MONTH', monthsPerYear: 13.3 }],
    ['Mensuel de 5000,00 Euros à 15000,00 Euros', { min: 5000, max: 15000, period: 'MONTH', periodSource: 'LABEL' }],
    // "sur 0.0 mois" (52 real offers) means "not said"
    ['Mensuel de 1801.8 Euros sur 0.0 mois', { min: 1801.8, max: null, period: 'MONTH', monthsPerYear: null }],
    // yearly
    ['Annuel de 25000.0 Euros à 35000.0 Euros sur 12.0 mois', { min: 25000, max: 35000, period: 'YEAR', monthsPerYear: 12 }],
    ['Annuel de 24100.0 Euros sur 12.0 mois', { min: 24100, max: null, period: 'YEAR' }],
    ['Annuel de 22000,00 Euros à 35000,00 Euros', { min: 22000, max: 35000, period: 'YEAR' }],
    ['Annuel de 35000,00 Euros', { min: 35000, max: null, period: 'YEAR' }],
    // hourly
    ['Horaire de 11,98 Euros', { min: 11.98, max: null, period: 'HOUR' }],
    ['Horaire de 12.0 Euros', { min: 12, max: null, period: 'HOUR' }],
    ['Horaire de 12.84 Euros à 12.85 Euros', { min: 12.84, max: 12.85, period: 'HOUR' }],
    ['Horaire de 12.0 Euros à 13.5 Euros sur 12.0 mois', { min: 12, max: 13.5, period: 'HOUR', monthsPerYear: 12 }],
    ['Horaire de 12.27 Euros sur 12.0 mois', { min: 12.27, max: null, period: 'HOUR' }],
    // no period word (Club Officine, We Recruit): a monthly amount by its size
    ['De 1800,00 Euros à 2100,00 Euros', { min: 1800, max: 2100, period: 'MONTH', periodSource: 'INFERRED' }],
    ['De 3954,00 Euros à 4745,00 Euros', { min: 3954, max: 4745, period: 'MONTH', periodSource: 'INFERRED' }],
    ['Autre de 2300,00 Euros à 2300,00 Euros', { min: 2300, max: 2300, period: 'MONTH', periodSource: 'INFERRED' }],
    // a period without an amount (Industrie Recrute)
    ['Annuel de', { min: null, max: null, period: 'YEAR', label: 'Annuel de' }],
  ])('%s', (label, expected) => expectSalary(label, expected));

  it.each<[string, Expected]>([
    // 15-23 €/h tutoring sent as "Annuel"; 11.88 €/h (SMIC) sent as "Mensuel"
    ['Annuel de 17,00 Euros à 27,00 Euros', { min: 17, max: 27, period: 'HOUR' }],
    ['Annuel de 11,00 Euros', { min: 11, max: null, period: 'HOUR' }],
    ['Mensuel de 11,88 Euros à 11,88 Euros', { min: 11.88, max: 11.88, period: 'HOUR' }],
    ['Mensuel de 11,00 Euros', { min: 11, max: null, period: 'HOUR' }],
    // a monthly salary sent as "Annuel" / "Horaire", a yearly one as "Mensuel" (27-28 k€ in the text)
    ['Annuel de 2300,00 Euros', { min: 2300, max: null, period: 'MONTH' }],
    ['Horaire de 2000,00 Euros à 2000,00 Euros', { min: 2000, max: 2000, period: 'MONTH' }],
    ['Mensuel de 27000.0 Euros sur 12.0 mois', { min: 27000, max: null, period: 'YEAR' }],
    ['Mensuel de 28000.0 Euros à 40000.0 Euros sur 12.0 mois', { min: 28000, max: 40000, period: 'YEAR' }],
  ])('corrects a period the amount cannot have: %s', (label, expected) => expectSalary(label, { ...expected, periodSource: 'CORRECTED' }));

  it('keeps a stated period for a small but possible amount (part-time monthly pay)', () => {
    expectSalary('Mensuel de 486,00 Euros à 1801,00 Euros', { min: 486, max: 1801, period: 'MONTH', periodSource: 'LABEL' });
    expectSalary('Mensuel de 690.0 Euros à 700.0 Euros sur 12.0 mois', { min: 690, max: 700, period: 'MONTH' });
  });

  it('keeps the label as written, whitespace normalised', () => {
    expect(parseSalary('  Mensuel de 1824.00 Euros\u00a0sur 12 mois ')?.label).toBe('Mensuel de 1824.00 Euros sur 12 mois');
  });
});

describe('parseSalary: free text (salaire.commentaire)', () => {
  it.each<[string, Expected]>([
    ['de 16,61 € à 25,01 € brut/h', { min: 16.61, max: 25.01, period: 'HOUR', periodSource: 'LABEL' }],
    ['de 15,76 € à 24,16 € brut/h', { min: 15.76, max: 24.16, period: 'HOUR' }],
    ['12€/heure net', { min: 12, max: null, period: 'HOUR' }],
    ["11.88 brut de l'heure", { min: 11.88, max: null, period: 'HOUR' }],
    ["10,75 net de l'he", { min: 10.75, max: null, period: 'HOUR' }],
    ["25€ net de l'heure", { min: 25, max: null, period: 'HOUR' }],
    ['11,88 €', { min: 11.88, max: null, period: 'HOUR', periodSource: 'INFERRED' }],
    ['À partir de 11,88 € Brut / mois', { min: 11.88, max: null, period: 'HOUR', periodSource: 'CORRECTED' }],
    ['2\u202f800 € - 3\u202f400 € par mois', { min: 2800, max: 3400, period: 'MONTH', periodSource: 'LABEL' }],
    ['2 350 € brut mensuel', { min: 2350, max: null, period: 'MONTH' }],
    ['A partir de 2174 euros brut mensuel', { min: 2174, max: null, period: 'MONTH' }],
    ['1800 euros net /mensuelle', { min: 1800, max: null, period: 'MONTH' }],
    ['1800 € net par mois', { min: 1800, max: null, period: 'MONTH' }],
    ['De 486,49€ à 1801,80€', { min: 486.49, max: 1801.8, period: 'MONTH', periodSource: 'INFERRED' }],
    ['Salaire de base entre 2450 et 2550', { min: 2450, max: 2550, period: 'MONTH' }],
    ['1850.00 Net', { min: 1850, max: null, period: 'MONTH' }],
    ['à minima 1832€ br', { min: 1832, max: null, period: 'MONTH' }],
    // hours are not amounts
    ['1700€ net pour 39h/semaine', { min: 1700, max: null, period: 'MONTH' }],
    ['2500€ net pour 169 heures', { min: 2500, max: null, period: 'MONTH' }],
    // a truncated "16h": not an upper bound
    ['2200€ net pour 16', { min: 2200, max: null, period: 'MONTH' }],
    // thousands
    ['50 - 55 k€ brut annuel', { min: 50000, max: 55000, period: 'YEAR' }],
    ['le salaire 27-28KE sur 13 mois', { min: 27000, max: 28000, period: 'YEAR', monthsPerYear: 13 }],
  ])('%s', (label, expected) => expectSalary(label, expected));

  it('reads a currency other than the euro', () => {
    expect(parseSalary('100000 à 120000 chf brut annuel ')).toMatchObject({
      min: 100000,
      max: 120000,
      currency: 'CHF',
      period: 'YEAR',
    });
  });

  it('gives no period to a day rate, rather than a wrong one', () => {
    expect(parseSalary('60€/jour')).toMatchObject({ min: 60, period: null, periodSource: null });
  });

  it.each([
    'Selon profil',
    'Selon CCN 1966 + primes',
    'Minimum Indice 500 CCN ECLAT',
    'CONVENTION 138M',
    "De 55% à 100% du SMIC selon l'âge",
    'SMIC',
    'CSE, TR, RTT, Commissions mensuelles',
  ])('keeps a text without an amount as a label only: %s', (label) => {
    expect(parseSalary(label)).toMatchObject({ min: null, max: null, period: null, label: label.trim() });
  });

  it('reads a 13th month', () => {
    expect(parseSalary('Primes + 13e mois')).toMatchObject({ min: null, monthsPerYear: 13 });
    expect(parseSalary('selon profil sur 13 mois')).toMatchObject({ min: null, monthsPerYear: 13 });
    // "mois" cut off by the field's length limit
    expect(parseSalary('selon profil sur 13.5')).toMatchObject({ min: null, monthsPerYear: 13.5 });
  });

  it.each([null, undefined, '', '   ', '.', '-', '/', '*', 'N/A', 'nc', 'Non', 'Autre', 'Autres', 'Autre type de salaire'])(
    'returns null for nothing or a placeholder: %p',
    (label) => {
      expect(parseSalary(label)).toBeNull();
    },
  );

  it('cuts a very long label to the column size', () => {
    const parsed = parseSalary('Mensuel de 2000 Euros ' + 'et avantages '.repeat(40));
    expect(parsed?.label.length).toBeLessThanOrEqual(255);
    expect(parsed?.min).toBe(2000);
  });
});

describe('yearlySalary', () => {
  it('puts hourly, monthly and yearly amounts on one scale', () => {
    expect(yearlySalary(11.65, 'HOUR')).toBe(18721.55);
    expect(yearlySalary(10, 'HOUR')).toBe(10 * HOURS_PER_YEAR);
    expect(yearlySalary(1824, 'MONTH')).toBe(21888);
    expect(yearlySalary(25000, 'YEAR')).toBe(25000);
  });

  it('is null without an amount or a period', () => {
    expect(yearlySalary(null, 'MONTH')).toBeNull();
    expect(yearlySalary(undefined, 'YEAR')).toBeNull();
    expect(yearlySalary(1824, null)).toBeNull();
    expect(yearlySalary(Number.NaN, 'MONTH')).toBeNull();
  });
});

describe('parseSalary over the shipped France Travail offers', () => {
  const offers = loadShippedFranceTravailOffers();
  const labels = offers.map((o) => o.salaire?.libelle).filter((l): l is string => !!l);

  it('extracts a minimum from at least 99 % of the salary labels', () => {
    const withMin = labels.filter((label) => parseSalary(label)?.min != null).length;
    expect(labels.length).toBeGreaterThan(800);
    expect(withMin / labels.length).toBeGreaterThanOrEqual(0.99);
  });

  it('gives every labelled amount a period and a plausible yearly value', () => {
    for (const label of labels) {
      const parsed = parseSalary(label)!;
      if (parsed.min === null) continue;
      expect({ label, period: parsed.period }).toEqual({ label, period: expect.any(String) });
      const yearly = yearlySalary(parsed.min, parsed.period)!;
      // from a few hours a week of part-time work to a well-paid executive
      expect({ label, plausible: yearly >= 3000 && yearly <= 250_000 }).toEqual({ label, plausible: true });
      if (parsed.max !== null) expect(parsed.max).toBeGreaterThanOrEqual(parsed.min);
    }
  });
});
