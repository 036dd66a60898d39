import { buildCommunes, buildRome, parseCsv, parseCsvRecords, readLaPoste } from '../../src/cli/build-referentials';
import { haversineKm, normalizePlaceName } from '../../src/referentials/geo';
import {
  COMMUNE_FIELDS,
  getReferentials,
  Referentials,
  type CommuneTuple,
  type ReferentialFiles,
} from '../../src/referentials/referential.service';

describe('haversineKm', () => {
  it('measures Paris – Lyon (city halls) at about 392 km', () => {
    expect(haversineKm(48.8566, 2.3522, 45.764, 4.8357)).toBeCloseTo(391.5, 0);
  });

  it('is zero for one point and symmetric', () => {
    expect(haversineKm(45.89, 6.64, 45.89, 6.64)).toBe(0);
    expect(haversineKm(45.89, 6.64, 43.3, 5.4)).toBeCloseTo(haversineKm(43.3, 5.4, 45.89, 6.64), 9);
  });

  it('gives half the circumference for antipodes', () => {
    expect(haversineKm(0, 0, 0, 180)).toBeCloseTo(Math.PI * 6371.0088, 6);
  });
});

describe('normalizePlaceName', () => {
  it('ignores case, accents, hyphens, apostrophes and SAINT/ST', () => {
    expect(normalizePlaceName('Saint-Pierre-en-Faucigny')).toBe('ST PIERRE EN FAUCIGNY');
    expect(normalizePlaceName('ST PIERRE EN FAUCIGNY')).toBe('ST PIERRE EN FAUCIGNY');
    expect(normalizePlaceName('Sainte-Foy-lès-Lyon')).toBe(normalizePlaceName('STE FOY LES LYON'));
    expect(normalizePlaceName("L'Île-d'Yeu")).toBe('L ILE D YEU');
    expect(normalizePlaceName('Eberbach-Wœrth')).toBe('EBERBACH WOERTH');
  });

  it('leaves SAINT inside a word alone', () => {
    expect(normalizePlaceName('Toussaint')).toBe('TOUSSAINT');
  });

  it('drops department decorations and CEDEX but keeps real parentheses', () => {
    expect(normalizePlaceName('74 - ANNECY')).toBe('ANNECY');
    expect(normalizePlaceName('Annecy (74)')).toBe('ANNECY');
    expect(normalizePlaceName('Ajaccio (2A)')).toBe('AJACCIO');
    expect(normalizePlaceName('ANNECY CEDEX 9')).toBe('ANNECY');
    expect(normalizePlaceName('Château-Chinon (Ville)')).toBe('CHATEAU CHINON VILLE');
  });
});

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, separators and line breaks inside quotes', () => {
    const text = '\ufeff"a","b"\r\n"x, y","say ""hi"""\n"multi\nline",plain\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', 'plain'],
    ]);
  });

  it('keeps empty fields and supports another separator', () => {
    expect(parseCsv('1;;3\n;;', ';')).toEqual([
      ['1', '', '3'],
      ['', '', ''],
    ]);
  });

  it('rejects an unterminated quote and a ragged record', () => {
    expect(() => parseCsv('"open')).toThrow(/unterminated/);
    expect(() => parseCsvRecords('a,b\n1,2,3\n')).toThrow(/line 2 has 3 fields/);
  });

  it('maps records by header', () => {
    expect(parseCsvRecords('"code_rome","libelle_rome"\n"M1805","Développeur"\n')).toEqual([
      { code_rome: 'M1805', libelle_rome: 'Développeur' },
    ]);
  });
});

describe('build rules', () => {
  it('averages La Poste rows, unions postal codes and turns a same-code delegated commune into an alias', () => {
    const laPoste = readLaPoste(
      'Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n' +
        '01001;VILLE NOUVELLE;01100;;VILLE NOUVELLE;46.0,5.0\n' +
        '01001;VILLE NOUVELLE;01110;HAMEAU;VILLE NOUVELLE;46.2,5.2\n' +
        '01002;ANCIENNE;01120;;ANCIENNE;46.5,5.5\n' +
        '01001;VILLE NOUVELLE;01100;SOUS BOIS;VILLE NOUVELLE;46.0,5.0\n',
    );
    const { file } = buildCommunes(
      [
        {
          code: '01001',
          nom: 'Ville-Nouvelle',
          type: 'commune-actuelle',
          departement: '01',
          region: '84',
          codesPostaux: ['01100'],
          population: 10,
          anciensCodes: ['01002', '01003'],
        },
        { code: '01001', nom: 'Vieux-Bourg', type: 'commune-deleguee', chefLieu: '01001' },
        { code: '01003', nom: 'Sous-Bois', type: 'commune-deleguee', chefLieu: '01001' },
      ],
      laPoste,
    );
    const byCode = new Map(file.communes.map((t) => [t[0], t]));
    expect(file.fields).toBe(COMMUNE_FIELDS);
    expect(byCode.get('01001')).toEqual([
      '01001',
      'Ville-Nouvelle',
      ['01100', '01110', '01120'],
      '01',
      '84',
      46.06667,
      5.06667,
      10,
      'C',
      null,
      ['Vieux-Bourg'],
    ]);
    // Inherits department and region from its chef-lieu; found through La Poste's Ligne_5.
    expect(byCode.get('01003')).toEqual(['01003', 'Sous-Bois', ['01100'], '01', '84', 46, 5, null, 'D', '01001', []]);
    // 01002 exists only in La Poste: a former code of 01001.
    expect(file.formerCodes).toEqual({ '01002': '01001' });
  });

  it('gives a ROME code missing from the 4.58 tree the domain of its letter and prefix', () => {
    const { file, onlyIn460 } = buildRome(
      [
        { code_rome: 'M1805', libelle_rome: 'Développeur / Développeuse informatique' },
        { code_rome: 'A1214', libelle_rome: 'Patrouilleur modeleur' },
        { code_rome: 'B9999', libelle_rome: 'Sans domaine professionnel' },
      ],
      [{ code_rome: 'M1805', code_grand_domaine: 'M', code_domaine_professionel: 'M18' }],
      [
        { code_grand_domaine: 'A', libelle_grand_domaine: 'Agriculture' },
        { code_grand_domaine: 'B', libelle_grand_domaine: 'Arts' },
        { code_grand_domaine: 'M', libelle_grand_domaine: "Support à l'entreprise" },
      ],
      [
        { code_domaine_professionnel: 'A12', libelle_domaine_professionnel: 'Espaces naturels' },
        { code_domaine_professionnel: 'M18', libelle_domaine_professionnel: "Systèmes d'information" },
      ],
    );
    expect(onlyIn460).toEqual(['A1214', 'B9999']);
    expect(file.occupations).toEqual([
      ['A1214', 'Patrouilleur modeleur', 'A', 'A12'],
      ['B9999', 'Sans domaine professionnel', 'B', null],
      ['M1805', 'Développeur / Développeuse informatique', 'M', 'M18'],
    ]);
  });
});

describe('Referentials on the shipped data', () => {
  const referentials = getReferentials();

  it('is loaded once per process', () => {
    expect(getReferentials()).toBe(referentials);
  });

  it('knows Combloux with its department, region, postal code and La Poste centre', () => {
    const combloux = referentials.commune('74083');
    expect(combloux).toMatchObject({ code: '74083', name: 'Combloux', departmentCode: '74', regionCode: '84' });
    expect(combloux!.postalCodes).toContain('74920');
    expect(combloux!.latitude).toBeCloseTo(45.89, 1);
    expect(combloux!.longitude).toBeCloseTo(6.64, 1);
    expect(Object.isFrozen(combloux)).toBe(true);
    expect(referentials.resolveLocation({ postalCode: '74920' })?.code).toBe('74083');
    expect(referentials.commune('99999')).toBeNull();
  });

  it('has Paris and its 20 arrondissements, Paris centred between them', () => {
    const paris = referentials.commune('75056')!;
    expect(paris.name).toBe('Paris');
    expect(paris.postalCodes).toHaveLength(21);
    expect(haversineKm(paris.latitude!, paris.longitude!, 48.8566, 2.3522)).toBeLessThan(3);
    for (let n = 1; n <= 20; n++) {
      const arrondissement = referentials.commune(String(75100 + n));
      expect(arrondissement).toMatchObject({ departmentCode: '75', regionCode: '11' });
      expect(arrondissement!.latitude).not.toBeNull();
    }
    expect(referentials.communesByPostalCode('75116').map((c) => c.code)).toEqual(['75056', '75116']);
    expect(referentials.resolveLocation({ postalCode: '75001', city: 'PARIS 01' })?.code).toBe('75101');
    expect(referentials.resolveLocation({ postalCode: '75001' })?.code).toBe('75056');
  });

  it('has the two Corsican departments in region Corse', () => {
    expect(referentials.department('2A')).toEqual({ code: '2A', name: 'Corse-du-Sud', regionCode: '94' });
    expect(referentials.department('2b')).toEqual({ code: '2B', name: 'Haute-Corse', regionCode: '94' });
    expect(referentials.region('94')?.name).toBe('Corse');
    expect(referentials.commune('2A004')).toMatchObject({ name: 'Ajaccio', departmentCode: '2A' });
    expect(referentials.resolveLocation({ postalCode: '20000', city: 'Ajaccio' })?.code).toBe('2A004');
  });

  it('lists departments and regions sorted, each department in a known region', () => {
    const departments = referentials.departments();
    expect(departments).toHaveLength(109);
    expect(departments.map((d) => d.code)).toEqual([...departments.map((d) => d.code)].sort());
    for (const d of departments) expect(referentials.region(d.regionCode)).not.toBeNull();
    expect(referentials.regions().map((r) => r.code)).toContain('84');
    expect(referentials.department('00')).toBeNull();
  });

  it('disambiguates a shared postal code by city, falling back to the most populous commune', () => {
    const names = referentials.communesByPostalCode('74800').map((c) => c.code);
    expect(names).toEqual(expect.arrayContaining(['74224', '74250', '74007']));
    expect(referentials.resolveLocation({ postalCode: '74800', city: 'ST PIERRE EN FAUCIGNY' })?.code).toBe('74250');
    expect(referentials.resolveLocation({ postalCode: '74800', city: 'Saint-Pierre-en-Faucigny' })?.code).toBe('74250');
    expect(referentials.resolveLocation({ postalCode: '74800', city: 'Amancy' })?.code).toBe('74007');
    expect(referentials.resolveLocation({ postalCode: '74800' })?.name).toBe('La Roche-sur-Foron');
    expect(referentials.resolveLocation({ postalCode: '74800', city: 'Nowhere' })?.name).toBe('La Roche-sur-Foron');
  });

  it('lets a known INSEE code win, following former codes to their successor', () => {
    expect(referentials.resolveLocation({ communeCode: '74083', postalCode: '74800', city: 'Amancy' })?.code).toBe('74083');
    // Filain (02311) merged into Pargny-et-Filain; La Poste 2020 still files it under 02311.
    expect(referentials.commune('02311')).toBeNull();
    expect(referentials.resolveLocation({ communeCode: '02311' })?.code).toBe('02589');
    expect(referentials.resolveLocation({ communeCode: '99999', postalCode: '74920' })?.code).toBe('74083');
  });

  it('resolves a delegated commune by its name and an old name to its commune nouvelle', () => {
    expect(referentials.resolveLocation({ postalCode: '74370', city: 'Pringy' })).toMatchObject({
      code: '74217',
      name: 'Pringy',
    });
    expect(referentials.resolveLocation({ postalCode: '01200', city: 'Bellegarde-sur-Valserine' })?.name).toBe('Valserhône');
  });

  it('falls back to the city name for unknown or missing postal codes, only when unambiguous', () => {
    expect(referentials.resolveLocation({ postalCode: '74994', city: 'ANNECY CEDEX 9' })?.code).toBe('74010');
    expect(referentials.resolveLocation({ city: '74 - Combloux' })?.code).toBe('74083');
    expect(referentials.resolveLocation({ city: 'Saint-Martin' })).toBeNull();
    expect(referentials.resolveLocation({ postalCode: null, city: null })).toBeNull();
    expect(referentials.resolveLocation({ postalCode: '1000' })?.code).toBe('01053');
  });

  it('has ROME M1805 with its label and domain', () => {
    expect(referentials.rome('M1805')).toEqual({
      code: 'M1805',
      label: 'Développeur / Développeuse informatique',
      domainCode: 'M',
      domainLabel: "Support à l'entreprise",
      professionalDomainCode: 'M18',
      professionalDomainLabel: "Systèmes d'information et de télécommunication",
    });
    expect(referentials.rome('m1805 ')?.code).toBe('M1805');
    expect(referentials.rome('Z9999')).toBeNull();
  });

  it('gives ROME codes only in 4.60 a domain (A1214 is absent from the 4.58 tree)', () => {
    expect(referentials.rome('A1214')).toMatchObject({
      domainCode: 'A',
      professionalDomainCode: 'A12',
      professionalDomainLabel: 'Espaces naturels et espaces verts',
    });
    const all = referentials.romeCodes();
    expect(all).toHaveLength(1584);
    for (const occupation of all) {
      expect(occupation.domainCode).toBe(occupation.code[0]);
      expect(occupation.domainLabel).not.toBe(occupation.domainCode);
      expect(occupation.label).not.toBe('');
    }
  });

  it('lists all communes sorted, or current ones only', () => {
    const all = referentials.allCommunes();
    const current = referentials.allCommunes({ currentOnly: true });
    expect(all.length).toBeGreaterThan(current.length);
    expect(current.length).toBeGreaterThan(34000);
    expect(current.find((c) => c.code === '75101')).toBeUndefined();
    expect(current.find((c) => c.code === '75056')).toBeDefined();
    expect(all.map((c) => c.code)).toEqual([...all.map((c) => c.code)].sort());
  });
});

describe('Referentials.resolveLocation fallback order', () => {
  const tuple = (code: string, name: string, lat: number | null, population: number | null, kind: 'C' | 'D'): CommuneTuple => [
    code,
    name,
    ['99000'],
    '99',
    '99',
    lat,
    lat === null ? null : 1,
    population,
    kind,
    kind === 'D' ? '99001' : null,
    [],
  ];
  const files: ReferentialFiles = {
    communes: {
      source: 'test',
      fields: COMMUNE_FIELDS,
      communes: [
        tuple('99001', 'Big without centre', null, 1000, 'C'),
        tuple('99002', 'Small with centre', 45, 10, 'C'),
        tuple('99003', 'Delegated', 46, null, 'D'),
      ],
      formerCodes: {},
    },
    departments: { source: 'test', departments: [] },
    regions: { source: 'test', regions: [] },
    rome: { source: 'test', domains: [], professionalDomains: [], occupations: [] },
  };
  const referentials = new Referentials(files);

  it('prefers a current commune with coordinates over a more populous one without', () => {
    expect(referentials.resolveLocation({ postalCode: '99000' })?.code).toBe('99002');
  });

  it('orders communes of a postal code: current first, most populous first', () => {
    expect(referentials.communesByPostalCode('99000').map((c) => c.code)).toEqual(['99001', '99002', '99003']);
  });

  it('still returns the delegated commune the city names', () => {
    expect(referentials.resolveLocation({ postalCode: '99000', city: 'DELEGATED' })?.code).toBe('99003');
  });
});
