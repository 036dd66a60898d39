import {
  fnv1a,
  loadShippedFranceTravailOffers,
  mapContractType,
  mapFranceTravailOffer,
  partnerCode,
  partnerDisplayName,
  type FranceTravailOffer,
} from '../../src/ingestion/feeds/france-travail.mapper';
import type { OfferRow } from '../../src/db/offer-row';
import { getReferentials } from '../../src/referentials/referential.service';

const NOW = new Date('2025-09-01T00:00:00.000Z');
const offers = loadShippedFranceTravailOffers();
const byId = new Map(offers.map((o) => [o.id, o]));

function real(id: string): FranceTravailOffer {
  const offer = byId.get(id);
  if (!offer) throw new Error(`offer ${id} is not in the shipped file`);
  return offer;
}

describe('loadShippedFranceTravailOffers', () => {
  it('reads the real offers shipped with the product', () => {
    expect(offers).toHaveLength(1593);
    expect(new Set(offers.map((o) => o.id)).size).toBe(offers.length);
  });

  it('returns a fresh array each time', () => {
    const again = loadShippedFranceTravailOffers();
    again[0].intitule = 'changed';
    expect(offers[0].intitule).not.toBe('changed');
  });
});

describe('mapFranceTravailOffer', () => {
  it('maps an agency offer (Synergie, Combloux, intérim, yearly salary)', () => {
    const { partner, row } = mapFranceTravailOffer(real('196CWQH'), NOW);
    expect(partner).toBeNull();
    expect(row).toEqual<OfferRow>({
      source: 'AGENCY',
      externalId: '196CWQH',
      title: 'Assistant administratif (H/F)',
      description: expect.stringMatching(/^Synergie recherche un ASSISTANT ADMINISTRATIF F\/H[\s\S]*Garde d'enfants\.\.\.\)$/),
      romeCode: 'M1607',
      employerName: 'SYNERGIE',
      employerUrl: null,
      locationLabel: '74 - COMBLOUX',
      communeCode: '74083',
      postalCode: '74920',
      city: 'Combloux',
      departmentCode: '74',
      regionCode: '84',
      latitude: 45.896834,
      longitude: 6.641384,
      contractType: 'TEMPORARY',
      fullTime: true,
      salaryMin: 25000,
      salaryMax: 35000,
      salaryCurrency: 'EUR',
      salaryPeriod: 'YEAR',
      salaryLabel: 'Annuel de 25000.0 Euros à 35000.0 Euros sur 12.0 mois',
      salaryYearlyMin: 25000,
      experienceLevel: 'EXPERIENCE_REQUIRED',
      publishedAt: new Date('2025-08-04T18:00:50.137Z'),
      updatedAt: new Date('2025-08-05T09:15:13.155Z'),
      validThrough: null,
      status: 'ACTIVE',
      applyUrl: 'https://candidat.francetravail.fr/offres/recherche/detail/196CWQH',
      reservedForJobseekers: expect.any(Boolean),
      contentHash: null,
    });
  });

  it('maps a partner offer: the board becomes the publisher and the apply link goes to it', () => {
    const { partner, row } = mapFranceTravailOffer(real('0638996'), NOW);
    expect(partner).toEqual({
      code: 'digital-recruiters',
      name: 'Digital Recruiters',
      website: 'https://offres.u-emploi.com',
      logoUrl: 'https://www.francetravail.fr/logos/img/partenaires/digitalrecruiters80.png',
    });
    expect(row).toMatchObject({
      source: 'PARTNER',
      externalId: '0638996',
      title: 'Hyper U - Agent / Agente de comptoir en location de véhicules (H/F)',
      employerName: 'Hyper U',
      communeCode: '74225',
      postalCode: '74150',
      city: 'Rumilly',
      departmentCode: '74',
      regionCode: '84',
      contractType: 'PERMANENT',
      fullTime: null,
      salaryMin: 1891.9,
      salaryMax: null,
      salaryPeriod: 'MONTH',
      salaryYearlyMin: 22702.8,
      experienceLevel: 'BEGINNER_ACCEPTED',
      reservedForJobseekers: false,
    });
    expect(row.applyUrl).toMatch(/^https:\/\/offres\.u-emploi\.com\/fr\/annonce\/3877497-/);
  });

  it('takes the first of several partners as the publisher', () => {
    const { partner, row } = mapFranceTravailOffer(real('1239576'), NOW);
    expect(partner).toMatchObject({ code: 'meteojob', name: 'Meteojob', website: 'https://www.meteojob.com' });
    expect(row.applyUrl).toMatch(/^https:\/\/www\.meteojob\.com\/jobads\/47843158/);
    expect(row.salaryLabel).toBeNull();
    expect(row.salaryCurrency).toBeNull();
  });

  it('keeps the department, its region and the own coordinates of an offer without commune', () => {
    const { row } = mapFranceTravailOffer(real('0594768'), NOW);
    expect(row).toMatchObject({
      locationLabel: '74 - Savoie (Haute)',
      communeCode: null,
      postalCode: null,
      city: null,
      departmentCode: '74',
      regionCode: '84',
      latitude: 46.197437,
      longitude: 6.3039,
      // "Annuel de 17,00 Euros à 27,00 Euros" is 15-23 €/h tutoring: corrected to hourly
      salaryMin: 17,
      salaryMax: 27,
      salaryPeriod: 'HOUR',
      salaryYearlyMin: 17 * 1607,
    });
  });

  it('leaves the coordinates empty when an offer without commune has none', () => {
    expect(mapFranceTravailOffer(real('1228659'), NOW).row).toMatchObject({
      locationLabel: '01 - Ain',
      communeCode: null,
      departmentCode: '01',
      regionCode: '84',
      latitude: null,
      longitude: null,
    });
  });

  it('reads a region, or nothing, from a label without department', () => {
    expect(mapFranceTravailOffer(real('189JHKC'), NOW).row).toMatchObject({
      locationLabel: 'Ile-de-France',
      departmentCode: null,
      regionCode: '11',
    });
    expect(mapFranceTravailOffer(real('183DSPT'), NOW).row).toMatchObject({ departmentCode: null, regionCode: '84' });
    for (const id of ['183DSQG', '189JHKD']) {
      expect(mapFranceTravailOffer(real(id), NOW).row).toMatchObject({ departmentCode: null, regionCode: null, latitude: null });
    }
    expect(mapFranceTravailOffer(real('189JHCV'), NOW).row).toMatchObject({ departmentCode: '77', regionCode: '11' });
  });

  it('places an offer without coordinates at its commune centre', () => {
    const { row } = mapFranceTravailOffer(real('1226567'), NOW);
    const martignat = getReferentials().commune('01237')!;
    expect(martignat.latitude).not.toBeNull();
    expect(row).toMatchObject({
      communeCode: '01237',
      city: martignat.name,
      latitude: martignat.latitude,
      longitude: martignat.longitude,
    });
  });

  it('maps a work-study offer to APPRENTICESHIP whatever its contract code', () => {
    const cdd = mapFranceTravailOffer(real('196CNRF'), NOW).row;
    expect(real('196CNRF').typeContrat).toBe('CDD');
    expect(cdd).toMatchObject({
      contractType: 'APPRENTICESHIP',
      fullTime: true,
      title: 'CHEF DE PRODUIT EN ALTERNANCE (H/F)',
      // no amount anywhere: the publisher's words are kept, nothing else
      salaryLabel: 'selon profil',
      salaryMin: null,
      salaryPeriod: null,
      salaryYearlyMin: null,
    });
    const cdi = mapFranceTravailOffer(real('192HRKJ'), NOW).row;
    expect(real('192HRKJ').typeContrat).toBe('CDI');
    // no salaire.libelle: the amount comes from the free-text comment ("918")
    expect(cdi).toMatchObject({ contractType: 'APPRENTICESHIP', salaryMin: 918, salaryPeriod: 'MONTH', salaryYearlyMin: 11016 });
  });

  it('sanitises titles: trimmed, one space between words, at most 255 characters', () => {
    expect(mapFranceTravailOffer(real('196FCCW'), NOW).row.title).toBe('74 Conducteur / Conductrice transport scolaire (H/F)');
    const dirty: FranceTravailOffer = {
      id: 'X1',
      intitule: `\u200b Chef\tde\u0000 rang   ${'très '.repeat(80)}`,
      dateCreation: 'not a date',
    };
    const { row } = mapFranceTravailOffer(dirty, NOW);
    expect(Array.from(row.title).length).toBeLessThanOrEqual(255);
    expect(row.title.startsWith('Chef de rang très très')).toBe(true);
    expect(row.title).not.toMatch(/[\u0000-\u001f\u200b]|\s{2}/);
    // minimal offer: defaults instead of failures
    expect(row).toMatchObject({
      source: 'AGENCY',
      description: '',
      romeCode: null,
      contractType: 'FIXED_TERM',
      publishedAt: NOW,
      updatedAt: NOW,
      locationLabel: null,
      departmentCode: null,
    });
  });

  it('flags a stable ~10 % of agency offers as reserved for job seekers, never a partner offer', () => {
    const rows = offers.map((o) => mapFranceTravailOffer(o, NOW).row);
    const agency = rows.filter((r) => r.source === 'AGENCY');
    const reserved = agency.filter((r) => r.reservedForJobseekers);
    expect(reserved.length / agency.length).toBeGreaterThan(0.06);
    expect(reserved.length / agency.length).toBeLessThan(0.14);
    expect(rows.filter((r) => r.source === 'PARTNER' && r.reservedForJobseekers)).toHaveLength(0);
    for (const r of agency) expect(r.reservedForJobseekers).toBe(fnv1a(r.externalId) % 100 < 10);
  });

  it('maps every shipped offer to a row that fits the offer table', () => {
    const refs = getReferentials();
    const partnerCodes = new Set<string>();
    for (const offer of offers) {
      const { partner, row } = mapFranceTravailOffer(offer, NOW);
      expect(row.source).toBe(offer.origineOffre?.partenaires?.length ? 'PARTNER' : 'AGENCY');
      expect(row.externalId).toBe(offer.id);
      expect(row.title.length).toBeGreaterThan(0);
      expect(Array.from(row.title).length).toBeLessThanOrEqual(255);
      expect((row.locationLabel ?? '').length).toBeLessThanOrEqual(255);
      expect((row.salaryLabel ?? '').length).toBeLessThanOrEqual(255);
      expect((row.employerUrl ?? '').length).toBeLessThanOrEqual(500);
      expect((row.applyUrl ?? '').length).toBeLessThanOrEqual(1000);
      expect(row.experienceLevel === null || row.experienceLevel.length <= 32).toBe(true);
      expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(row.publishedAt.getTime());
      if (row.communeCode) {
        const commune = refs.commune(row.communeCode)!;
        expect(commune.departmentCode).toBe(row.departmentCode);
        expect(commune.regionCode).toBe(row.regionCode);
      }
      if (row.salaryYearlyMin !== null) expect(row.salaryPeriod).not.toBeNull();
      if (partner) {
        expect(partner.code).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
        partnerCodes.add(partner.code);
      }
    }
    // one code per board name, no two boards folded into one
    const boardNames = new Set(offers.map((o) => o.origineOffre?.partenaires?.[0]?.nom).filter(Boolean));
    expect(partnerCodes.size).toBe(boardNames.size);
    expect(partnerCodes.size).toBeGreaterThan(30);
  });
});

describe('mapContractType', () => {
  it.each<[string, string, boolean, string]>([
    ['CDI', 'Contrat travail', false, 'PERMANENT'],
    ['DIN', 'Contrat travail', false, 'PERMANENT'],
    ['CDD', 'Contrat travail', false, 'FIXED_TERM'],
    ['DDI', "Insertion par l'activ.éco.", false, 'FIXED_TERM'],
    ['MIS', 'Contrat travail', false, 'TEMPORARY'],
    ['TTI', "Insertion par l'activ.éco.", false, 'TEMPORARY'],
    ['SAI', 'Contrat travail', false, 'SEASONAL'],
    ['LIB', 'Emploi non salarié', false, 'FREELANCE'],
    ['FRA', 'Emploi non salarié', false, 'FREELANCE'],
    ['CCE', 'Emploi non salarié', false, 'FREELANCE'],
    ['CDD', 'Contrat apprentissage', true, 'APPRENTICESHIP'],
    ['CDD', 'Cont. professionnalisation', true, 'APPRENTICESHIP'],
    ['CDI', 'Contrat apprentissage', true, 'APPRENTICESHIP'],
    ['XYZ', 'Emploi non salarié', false, 'FREELANCE'],
    ['XYZ', 'Contrat travail', false, 'FIXED_TERM'],
  ])('%s / %s / alternance %s → %s', (typeContrat, natureContrat, alternance, expected) => {
    expect(mapContractType({ typeContrat, natureContrat, alternance })).toBe(expected);
  });
});

describe('partner naming', () => {
  it.each([
    ['DIGITAL RECRUITERS', 'digital-recruiters', 'Digital Recruiters'],
    ['METEOJOB', 'meteojob', 'Meteojob'],
    ['ADECCO_MEDICAL', 'adecco-medical', 'Adecco Medical'],
    ['SAP SuccessFactors', 'sap-successfactors', 'SAP SuccessFactors'],
    ['Industrie Recrute', 'industrie-recrute', 'Industrie Recrute'],
    ['PMEJOB', 'pmejob', 'PMEjob'],
  ])('%s → code %s, name %s', (raw, code, name) => {
    expect(partnerCode(raw)).toBe(code);
    expect(partnerDisplayName(raw)).toBe(name);
  });
});
