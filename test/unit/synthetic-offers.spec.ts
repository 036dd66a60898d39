import type { ContractType } from '../../entities/offers/offer.entity';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../../src/ingestion/feeds/france-travail.mapper';
import type { OfferRow } from '../../src/db/offer-row';
import { createSyntheticOfferGenerator, fillOfferDefaults, type SyntheticOffer } from '../../src/seed/synthetic-offers';
import { getReferentials } from '../../src/referentials/referential.service';
import type { Commune } from '../../src/referentials/referential.types';

const NOW = new Date('2025-09-01T00:00:00.000Z');
const DAY_MS = 86_400_000;
const mapped = loadShippedFranceTravailOffers().map((o) => mapFranceTravailOffer(o, NOW));
const templates = mapped.map((m) => m.row);
const partnerCodes = [...new Set(mapped.flatMap((m) => (m.partner ? [m.partner.code] : [])))];
const CONTRACT_TYPES: ContractType[] = ['PERMANENT', 'FIXED_TERM', 'TEMPORARY', 'SEASONAL', 'APPRENTICESHIP', 'FREELANCE'];

function generate(seed: number, count: number, from = 0): SyntheticOffer[] {
  const generator = createSyntheticOfferGenerator({ seed, now: NOW, partnerCodes, templates });
  return Array.from({ length: count }, (_, k) => generator.next(from + k));
}

describe('createSyntheticOfferGenerator', () => {
  const sample = generate(7, 20_000);

  it('gives the same rows for the same seed, other rows for another seed', () => {
    expect(generate(7, 500)).toEqual(sample.slice(0, 500));
    const other = generate(8, 500);
    const same = other.filter((o, i) => o.row.title === sample[i].row.title && o.row.communeCode === sample[i].row.communeCode);
    expect(same.length).toBeLessThan(25);
  });

  it('makes row i a function of (seed, i), whatever the order of the calls', () => {
    const generator = createSyntheticOfferGenerator({ seed: 7, now: NOW, partnerCodes, templates });
    expect(generator.next(1234)).toEqual(sample[1234]);
    expect(generator.next(3)).toEqual(sample[3]);
    expect(generator.next(1234)).toEqual(sample[1234]);
  });

  it('never calls Math.random', () => {
    const spy = jest.spyOn(Math, 'random');
    try {
      generate(1, 1000);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('gives unique external ids syn-<i>', () => {
    const ids = sample.map((o) => o.row.externalId);
    expect(new Set(ids).size).toBe(sample.length);
    expect(ids[0]).toBe('syn-0');
    expect(ids[19_999]).toBe('syn-19999');
    expect(generate(7, 1, 123_456_789)[0].row.externalId).toBe('syn-123456789');
  });

  it('produces valid, active offers placed in real communes', () => {
    const refs = getReferentials();
    const titles = new Set(templates.map((t) => t.title));
    const problems: string[] = [];
    const check = (ok: boolean, what: string, row: OfferRow): void => {
      if (!ok) problems.push(`${row.externalId}: ${what}`);
    };
    for (const { partnerCode, row } of sample.slice(0, 5000)) {
      const commune = refs.commune(row.communeCode ?? '');
      check(row.status === 'ACTIVE', 'status', row);
      check(CONTRACT_TYPES.includes(row.contractType), 'contract type', row);
      check(row.source === (partnerCode === null ? 'AGENCY' : 'PARTNER'), 'source', row);
      check(partnerCode === null || partnerCodes.includes(partnerCode), 'partner code', row);
      check(partnerCode === null || !row.reservedForJobseekers, 'reserved partner offer', row);
      check(titles.has(row.title), 'title from a template', row);
      check(commune !== null, 'known commune', row);
      if (!commune) continue;
      check(row.city === commune.name, 'city', row);
      check(row.departmentCode === commune.departmentCode && row.regionCode === commune.regionCode, 'department/region', row);
      check(row.postalCode !== null && commune.postalCodes.includes(row.postalCode), 'postal code', row);
      check(Math.abs(row.latitude! - commune.latitude!) <= 0.015, 'latitude near the centre', row);
      check(Math.abs(row.longitude! - commune.longitude!) <= 0.015, 'longitude near the centre', row);
      const published = row.publishedAt.getTime();
      check(published <= NOW.getTime() && published >= NOW.getTime() - 120 * DAY_MS, 'published in the last 120 days', row);
      check(row.updatedAt.getTime() >= published && row.updatedAt.getTime() <= NOW.getTime(), 'updatedAt', row);
      check(row.validThrough === null || row.validThrough.getTime() > NOW.getTime(), 'validThrough in the future', row);
      check(row.contractType !== 'APPRENTICESHIP' || row.fullTime === true, 'full-time apprenticeship', row);
    }
    expect(problems).toEqual([]);
  });

  it('has about half of its offers from partners, a few partners publishing most of them', () => {
    const fromPartners = sample.filter((o) => o.partnerCode !== null);
    expect(fromPartners.length / sample.length).toBeGreaterThan(0.48);
    expect(fromPartners.length / sample.length).toBeLessThan(0.52);
    const perPartner = new Map<string, number>();
    for (const o of fromPartners) perPartner.set(o.partnerCode!, (perPartner.get(o.partnerCode!) ?? 0) + 1);
    const counts = [...perPartner.values()].sort((a, b) => b - a);
    expect(counts[0] / fromPartners.length).toBeGreaterThan(0.15);
    expect(counts[0]).toBeGreaterThan(10 * counts[counts.length - 1]);
    expect(perPartner.size).toBeGreaterThan(partnerCodes.length / 2);
  });

  it('mixes contract types in realistic proportions', () => {
    const share = (type: ContractType): number => sample.filter((o) => o.row.contractType === type).length / sample.length;
    expect(share('PERMANENT')).toBeGreaterThan(0.45);
    expect(share('PERMANENT')).toBeLessThan(0.55);
    for (const type of CONTRACT_TYPES) expect(share(type)).toBeGreaterThan(0.01);
  });

  it('spreads publication dates over the last 120 days', () => {
    const ages = sample.map((o) => (NOW.getTime() - o.row.publishedAt.getTime()) / DAY_MS);
    expect(ages.filter((a) => a < 30).length / ages.length).toBeGreaterThan(0.2);
    expect(ages.filter((a) => a > 90).length / ages.length).toBeGreaterThan(0.2);
  });

  it('puts more offers in populous communes', () => {
    const paris = sample.filter((o) => o.row.communeCode === '75056').length;
    // Paris has ~3 % of the population: a uniform draw over 35,000 communes would give ~0.6 offers
    expect(paris).toBeGreaterThan(200);
  });

  it('follows a custom commune list and weights', () => {
    const refs = getReferentials();
    const annecy = refs.commune('74010')!;
    const combloux = refs.commune('74083')!;
    const generator = createSyntheticOfferGenerator({
      seed: 3,
      now: NOW,
      partnerCodes: [],
      templates,
      communes: [annecy, combloux],
      communeWeight: (c: Commune) => (c.code === '74010' ? 9 : 1),
    });
    const rows = Array.from({ length: 5000 }, (_, i) => generator.next(i).row);
    const inAnnecy = rows.filter((r) => r.communeCode === '74010').length / rows.length;
    expect(inAnnecy).toBeGreaterThan(0.87);
    expect(inAnnecy).toBeLessThan(0.93);
    // no partners: every offer is the agency's, ~10 % reserved for job seekers
    expect(rows.every((r) => r.source === 'AGENCY')).toBe(true);
    const reserved = rows.filter((r) => r.reservedForJobseekers).length / rows.length;
    expect(reserved).toBeGreaterThan(0.07);
    expect(reserved).toBeLessThan(0.13);
  });

  it('copies content from one real template', () => {
    const byTitle = new Map<string, OfferRow[]>();
    for (const t of templates) byTitle.set(t.title, [...(byTitle.get(t.title) ?? []), t]);
    for (const { row } of sample.slice(0, 500)) {
      const candidates = byTitle.get(row.title)!;
      expect(
        candidates.some(
          (t) =>
            t.description === row.description &&
            t.romeCode === row.romeCode &&
            t.employerName === row.employerName &&
            t.salaryMin === row.salaryMin &&
            t.salaryYearlyMin === row.salaryYearlyMin,
        ),
      ).toBe(true);
    }
  });

  it('rejects an empty template list and a bad index', () => {
    expect(() => createSyntheticOfferGenerator({ seed: 1, now: NOW, partnerCodes, templates: [] })).toThrow(/template/);
    const generator = createSyntheticOfferGenerator({ seed: 1, now: NOW, partnerCodes, templates });
    expect(() => generator.next(-1)).toThrow();
    expect(() => generator.next(1.5)).toThrow();
  });

  it('generates 200,000 rows in well under a few seconds', () => {
    const generator = createSyntheticOfferGenerator({ seed: 11, now: NOW, partnerCodes, templates });
    const start = process.hrtime.bigint();
    let partners = 0;
    for (let i = 0; i < 200_000; i++) if (generator.next(i).partnerCode !== null) partners++;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(partners).toBeGreaterThan(0);
    // 1,000,000 rows must stay well under 30 s: 200,000 under 4 s leaves a wide margin on slow CI
    expect(ms).toBeLessThan(4000);
  });
});

describe('fillOfferDefaults', () => {
  it('completes a partial offer as an active agency offer published now', () => {
    const row = fillOfferDefaults({ externalId: 'x-1', title: 'Plombier (H/F)', departmentCode: '74' }, NOW);
    expect(row).toMatchObject({
      source: 'AGENCY',
      externalId: 'x-1',
      title: 'Plombier (H/F)',
      departmentCode: '74',
      contractType: 'PERMANENT',
      status: 'ACTIVE',
      reservedForJobseekers: false,
      publishedAt: NOW,
      updatedAt: NOW,
    });
    const published = new Date('2025-01-01T00:00:00Z');
    expect(fillOfferDefaults({ externalId: 'x-2', title: 't', publishedAt: published }, NOW).updatedAt).toEqual(published);
  });
});
