import type { DataSource } from 'typeorm';
import type { CvInput } from '../__generated__/resolvers-types';
import type { Viewer } from '../auth/viewer';
import { toGlobalId } from '../lib/ids';
import { getReferentials } from '../referentials/referential.service';
import { AudienceService } from '../audience/audience.service';
import { agencyScope, CandidateService } from '../candidates/candidate.service';
import { addDays, parisDay } from '../lib/paris-day';
import { FIRST_NAMES, LAST_NAMES } from './fictitious-people';
import { prng, weighted } from '../lib/prng';
import { requestScope } from '../auth/request-scope';
import { sql } from '../db/sql';
import { queryPrimary } from '../db/sql-executor';

/**
 * The demo's people and traffic, so that a first `npm start` answers the README's CV and audience
 * examples: fictitious candidates whose CVs are built from the ROME occupations and communes of
 * the seeded offers (real occupations, real places), consents for a few partners (the demo
 * PARTNER key's among them), and a month of audience events on the seeded offers, all relative to
 * `now` (injected: tests pass a fixed instant). Deterministic for a given database and seed.
 * Idempotent: CVs are keyed by candidateRef; audience is seeded only when the month before `now`
 * has none.
 */
export interface DemoActivityOptions {
  now?: Date;
  /** Demo CVs (default 400). */
  cvs?: number;
  /** Days of audience before `now`, today included (default 30). */
  audienceDays?: number;
  /** Audience events per day, on average (default 1,200). */
  eventsPerDay?: number;
  seed?: number;
}

export interface DemoActivityReport {
  cvsCreated: number;
  consentsCreated: number;
  /** The partners the consents cover (besides consents for every partner), by code. */
  consentPartners: string[];
  audienceEvents: number;
}

const DAY_MS = 86_400_000;
const CV_REF_PREFIX = 'demo-cv-';
const AGENCY: Viewer = { role: 'AGENCY', apiKeyId: null };
/** recordAudienceEvents' limit per call. */
const EVENTS_PER_CALL = 10_000;

const SKILLS = [
  'Accueil du public',
  'Travail en équipe',
  'Gestion des stocks',
  'Relation client',
  'Pack Office',
  'Anglais professionnel',
  'CACES R489',
  'Hygiène HACCP',
  'Encaissement',
  'Lecture de plans',
  'Comptabilité',
  'Prospection commerciale',
  'Gestion de projet',
  'Secourisme SST',
  'Habilitation électrique',
  'Maintenance préventive',
  'Service en salle',
  'Cuisine traditionnelle',
  'Aide à la personne',
  'Préparation de commandes',
  'Permis poids lourd',
  'Vente conseil',
  'Bureautique',
  'Autonomie',
  'Rigueur',
];
const EMPLOYERS = [
  'Boulangerie des Halles',
  'Transports du Lac',
  'Clinique du Parc',
  'Mairie',
  'Hôtel de la Gare',
  'Supermarché du Centre',
  'Garage de la Poste',
  'EHPAD Les Tilleuls',
  null,
];
const CONTRACTS = ['PERMANENT', 'FIXED_TERM', 'TEMPORARY', 'SEASONAL', 'APPRENTICESHIP', 'FREELANCE'] as const;
const LEVELS = ['CAP', 'Bac pro', 'BTS', 'Bac+3', 'Master', null];

/** Seeds demo CVs, consents and a month of audience (see DemoActivityOptions). */
export async function seedDemoActivity(dataSource: DataSource, opts: DemoActivityOptions = {}): Promise<DemoActivityReport> {
  const now = opts.now ?? new Date();
  const seed = opts.seed ?? 20261205;
  const report: DemoActivityReport = { cvsCreated: 0, consentsCreated: 0, consentPartners: [], audienceEvents: 0 };

  // The demo PARTNER key's partner (the first by name, as main.ts picks it) and the two biggest boards.
  const byName = await queryPrimary<{ id: number; code: string }>(dataSource, sql`SELECT id, code FROM partner ORDER BY name, id LIMIT 1`);
  const biggest = await queryPrimary<{ id: number; code: string }>(
    dataSource,
    sql`SELECT p.id AS id, p.code AS code FROM partner p JOIN offer o ON o.partner_id = p.id AND o.status = 'ACTIVE' GROUP BY p.id, p.code ORDER BY COUNT(*) DESC, p.id LIMIT 2`,
  );
  const consentPartners = [...new Map([...byName, ...biggest].map((p) => [Number(p.id), String(p.code)])).entries()];
  report.consentPartners = consentPartners.map(([, code]) => code);

  report.cvsCreated = await seedCvs(
    dataSource,
    now,
    seed,
    opts.cvs ?? 400,
    consentPartners.map(([id]) => id),
    report,
  );
  report.audienceEvents = await seedAudience(
    dataSource,
    now,
    seed,
    opts.audienceDays ?? 30,
    opts.eventsPerDay ?? 1_200,
    consentPartners[0]?.[0] ?? null,
  );
  return report;
}

async function seedCvs(
  dataSource: DataSource,
  now: Date,
  seed: number,
  count: number,
  partnerIds: number[],
  report: DemoActivityReport,
): Promise<number> {
  const stored = await queryPrimary<{ n: number }>(
    dataSource,
    sql`SELECT COUNT(*) AS n FROM candidate_cv WHERE candidate_ref LIKE ${`${CV_REF_PREFIX}%`}`,
  );
  if (Number(stored[0].n) >= count) return 0;
  const referentials = getReferentials();
  // Occupations and places of the seeded offers: candidates are where the jobs are.
  const occupations = await queryPrimary<{ code: string; n: number }>(
    dataSource,
    sql`SELECT rome_code AS code, COUNT(*) AS n FROM offer WHERE status = 'ACTIVE' AND rome_code IS NOT NULL GROUP BY rome_code ORDER BY COUNT(*) DESC, rome_code LIMIT 80`,
  );
  const places = await queryPrimary<{ code: string; n: number }>(
    dataSource,
    sql`SELECT commune_code AS code, COUNT(*) AS n FROM offer WHERE status = 'ACTIVE' AND commune_code IS NOT NULL GROUP BY commune_code ORDER BY COUNT(*) DESC, commune_code LIMIT 150`,
  );
  const romes = occupations.flatMap((o) => referentials.rome(o.code) ?? []);
  const communes = places.flatMap((p) => {
    const c = referentials.commune(p.code);
    return c && c.postalCodes.length > 0 ? [{ commune: c, weight: Math.sqrt(Number(p.n)) }] : [];
  });
  if (romes.length === 0 || communes.length === 0) return 0;
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const occupation = weighted(
    romes,
    occupations.filter((o) => referentials.rome(o.code)).map((o) => Math.sqrt(Number(o.n))),
    rand,
  );
  const commune = weighted(
    communes.map((c) => c.commune),
    communes.map((c) => c.weight),
    rand,
  );
  const candidates = new CandidateService(dataSource);
  const scope = agencyScope(now);
  const day = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY_MS).toISOString().slice(0, 10);
  let created = 0;
  for (let i = 0; i < count; i++) {
    // Drawn whether or not the CV exists already, so each CV's content depends on (seed, i) only.
    const main = occupation();
    const second = rand() < 0.4 ? occupation() : null;
    const place = commune();
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const skills = [...new Set(Array.from({ length: 2 + Math.floor(rand() * 4) }, () => pick(SKILLS)))];
    const startedDaysAgo = 400 + Math.floor(rand() * 3000);
    const input: CvInput = {
      candidateRef: `${CV_REF_PREFIX}${i}`,
      headline: `${main.label}${rand() < 0.3 ? ', expérience confirmée' : ''}`,
      summary: `${first} cherche un poste de ${main.label.toLowerCase()} autour de ${place.name}. Compétences : ${skills.join(', ')}.`,
      skills,
      romeCodes: second && second.code !== main.code ? [main.code, second.code] : [main.code],
      location: rand() < 0.5 ? { postalCode: pick(place.postalCodes) } : { communeCode: place.code },
      mobilityRadiusKm: pick([5, 10, 20, 30, 30, 50]),
      desiredContractTypes: [...new Set([pick(CONTRACTS), ...(rand() < 0.4 ? [pick(CONTRACTS)] : [])])],
      availableFrom: rand() < 0.6 ? null : day(-Math.floor(rand() * 90)),
      experiences: [
        {
          title: main.label,
          employer: pick(EMPLOYERS),
          from: day(startedDaysAgo),
          to: rand() < 0.3 ? null : day(Math.floor(rand() * 300)),
          description: `Missions : ${skills.slice(0, 2).join(', ').toLowerCase()}.`,
        },
      ],
      education:
        rand() < 0.7
          ? [{ title: `Formation ${main.label.toLowerCase()}`.slice(0, 255), level: pick(LEVELS), year: 1990 + Math.floor(rand() * 34) }]
          : [],
      languages: rand() < 0.4 ? ['Français', 'Anglais'] : ['Français'],
      drivingLicences: rand() < 0.7 ? ['B'] : [],
      // Fictitious: example.org addresses, and phone numbers of the range ARCEP sets aside for fiction (06 39 98 xx xx).
      contact: {
        name: `${first} ${last}`,
        email: `${first}.${last}.${i}@example.org`.toLowerCase().normalize('NFD').replace(/\p{M}/gu, ''),
        phone: `+33 6 39 98 ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100) % 100).padStart(2, '0')}`,
      },
    };
    const consentDraw = rand();
    const shareContact = rand() < 0.4;
    const exists = await queryPrimary(dataSource, sql`SELECT id FROM candidate_cv WHERE candidate_ref = ${input.candidateRef}`);
    if (exists.length > 0) continue;
    const cv = await candidates.publish(scope, input);
    created++;
    // A quarter consent to every partner, a third to one of the demo's partners, the rest to none.
    const partnerId =
      consentDraw < 0.25
        ? null
        : consentDraw < 0.6 && partnerIds.length > 0
          ? partnerIds[Math.floor((consentDraw - 0.25) / (0.35 / partnerIds.length))]
          : undefined;
    if (partnerId !== undefined) {
      await candidates.grantConsent(scope, { cvId: cv.id, partnerId, shareContact });
      report.consentsCreated++;
    }
  }
  return created;
}

async function seedAudience(
  dataSource: DataSource,
  now: Date,
  seed: number,
  days: number,
  eventsPerDay: number,
  demoPartnerId: number | null,
): Promise<number> {
  const firstDay = addDays(parisDay(now), -(days - 1));
  const seeded = await queryPrimary<{ n: number }>(
    dataSource,
    sql`SELECT COUNT(*) AS n FROM audience_scope_day WHERE scope = 0 AND day >= ${firstDay}`,
  );
  if (Number(seeded[0].n) > 0) return 0;
  // The offers visitors look at: some of the demo partner's, and a spread of all the others.
  const own =
    demoPartnerId === null
      ? []
      : await queryPrimary<{ id: number }>(
          dataSource,
          sql`SELECT id FROM offer WHERE status = 'ACTIVE' AND partner_id = ${demoPartnerId} ORDER BY published_at DESC, id DESC LIMIT 40`,
        );
  const spread = await queryPrimary<{ id: number }>(
    dataSource,
    sql`SELECT id FROM offer WHERE status = 'ACTIVE' AND MOD(id, 37) = 0 ORDER BY id LIMIT 400`,
  );
  const offerIds = [...new Set([...own, ...spread].map((r) => Number(r.id)))];
  if (offerIds.length === 0) return 0;
  const rand = prng(seed ^ 0x5eed);
  // A few offers draw most of the traffic.
  const offer = weighted(
    offerIds,
    offerIds.map((_, rank) => 1 / ((rank % 50) + 3)),
    rand,
  );
  const audience = new AudienceService(dataSource, { maxEventAgeDays: days + 1 });
  let events: Array<{ offerId: string; type: string; visitorId: string; occurredAt: Date }> = [];
  let accepted = 0;
  const flush = async () => {
    if (events.length === 0) return;
    accepted += (await audience.recordEvents(requestScope(AGENCY, now), events)).accepted;
    events = [];
  };
  for (let d = days - 1; d >= 0; d--) {
    // Weekends are quieter; a slow rise over the month.
    const dayStart = now.getTime() - (d + 1) * DAY_MS;
    const weekday = new Date(dayStart + DAY_MS / 2).getUTCDay();
    const volume = Math.round(eventsPerDay * (weekday === 0 || weekday === 6 ? 0.6 : 1) * (0.85 + (0.3 * (days - d)) / days));
    for (let e = 0; e < volume; e++) {
      const draw = rand();
      events.push({
        offerId: toGlobalId('Offer', offer()),
        type: draw < 0.75 ? 'IMPRESSION' : draw < 0.95 ? 'VIEW' : 'APPLY_CLICK',
        visitorId: `demo-visitor-${Math.floor(rand() * 4000)}`,
        occurredAt: new Date(dayStart + 1 + Math.floor(rand() * (DAY_MS - 1))),
      });
      if (events.length === EVENTS_PER_CALL) await flush();
    }
  }
  await flush();
  await audience.foldSketchDeltas();
  return accepted;
}
