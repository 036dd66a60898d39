import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { dropMysqlDatabase, ensureMysqlDatabase } from '../src/db/data-source';
import { parseDatabaseUrl } from '../src/config';
import { toDbDateTime } from '../src/db/sql';
import { FIRST_NAMES, LAST_NAMES } from '../src/seed/fictitious-people';
import { loadCommunePopulations } from '../src/seed/synthetic-offers';
import { getReferentials } from '../src/referentials/referential.service';
import { validateCvInput, type ValidatedCv } from '../src/candidates/candidate-validation';
import { CV_WRITE_COLUMNS, cvWriteValues } from '../src/candidates/candidate.service';
import type { CvInput } from '../src/__generated__/resolvers-types';
import { toGlobalId } from '../src/lib/ids';
import { stopAllChildren } from './children';
import { startBenchHub } from './hub';
import { readSqlCounter } from './verify';
import { runLoad, stopLoad } from './load';
import { mysql as mysqlCli, sizeBufferPool } from './mariadb';
import { prng, weighted } from '../src/lib/prng';

/**
 * `npm run bench:candidates` (issue 4): 200,000 CVs and 50 partners in a fresh MariaDB database,
 * 30 % of the CVs consenting (ALL_PARTNERS or one partner, some sharing contact details), then one
 * partner's `candidates(first: 20, filter: { romeCodes: [R], departmentCodes: [D] })` under
 * autocannon (10 connections, 3 s warm-up, 10 s measured), filters varying per request over
 * combinations that exist in what that partner can see. Target: p99 < 50 ms.
 *
 * The CVs are written with bulk SQL (publishCV over HTTP would take far too long), from inputs passed
 * through the service's own validateCvInput, with the columns and term rows the service writes; a CV
 * published through the API is compared with its bulk-written twin, and a few bulk CVs are read back
 * through candidate(id) as AGENCY (and as the partner) before the load starts.
 */
const TOTAL = Number(process.env.BENCH_CANDIDATES_CVS ?? 200_000);
const PARTNERS = 50;
const CONSENT_SHARE = 0.3;
const BATCH = 1_000;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 3;
const SECONDS = 10;
const TARGET_P99_MS = 50;
const DATABASE_URL = process.env.BENCH_CANDIDATES_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/passerelle_bench_candidates';
const ADMIN_KEY = `bench-admin-${process.pid}-${Date.now()}`;
const RESULTS_DIR = path.join(__dirname, 'results');
const DAY = 86_400_000;

const SKILLS = [
  'Accueil du public',
  'Travail en équipe',
  'Gestion des stocks',
  'Relation client',
  'Pack Office',
  'Excel',
  'Anglais professionnel',
  'Conduite de chariot élévateur',
  'CACES R489',
  'Hygiène HACCP',
  'Encaissement',
  'Soudure TIG',
  'Lecture de plans',
  'Comptabilité',
  'Paie',
  'SAP',
  'Prospection commerciale',
  'Négociation',
  'Gestion de projet',
  "Management d'équipe",
  'Secourisme SST',
  'Habilitation électrique',
  'Maintenance préventive',
  'Autonomie',
  'Rigueur',
  'Ponctualité',
  'Java',
  'TypeScript',
  'SQL',
  'Service en salle',
  'Cuisine traditionnelle',
  'Aide à la personne',
  "Soins d'hygiène",
  'Préparation de commandes',
  'Logistique',
  'Permis poids lourd',
  'Vente conseil',
  'Merchandising',
  'Bureautique',
  'Standard téléphonique',
  'Plomberie',
  'Électricité du bâtiment',
  'Peinture',
  'Maçonnerie',
  'Jardinage',
  'Nettoyage industriel',
  'Montage de meubles',
  'Usinage CN',
  'Contrôle qualité',
  'Facturation',
];
const EMPLOYERS = [
  'Carrefour',
  'Leroy Merlin',
  'SNCF',
  'La Poste',
  'Mairie',
  'Clinique du Parc',
  'Boulangerie Martin',
  'Transports Durand',
  'Adecco',
  'Randstad',
  'Airbus',
  'Orange',
  'Decathlon',
  'EHPAD Les Tilleuls',
  'Garage Dupont',
  null,
];
const CONTRACTS = ['PERMANENT', 'FIXED_TERM', 'TEMPORARY', 'SEASONAL', 'APPRENTICESHIP', 'FREELANCE'] as const;
const LEVELS = ['CAP', 'BEP', 'Bac', 'Bac pro', 'BTS', 'Bac+3', 'Master', null];

interface GeneratedCv {
  input: CvInput;
  updatedAt: Date;
  /** null: no consent; 0: ALL_PARTNERS; otherwise the partner number (1-based). */
  consent: { partner: number; shareContact: boolean } | null;
  /** A revoked consent, no longer covering anyone (realism: revoked rows in the ledger). */
  revoked: boolean;
}

/** CV inputs as the agency would publish them: real ROME codes, real communes (population-weighted). */
function generator(now: Date) {
  const rand = prng(20260404);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const referentials = getReferentials();
  // Occupations skewed as demand is: a shuffled order, weight 1 / (rank + 10).
  const occupations = referentials.romeCodes();
  for (let i = occupations.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [occupations[i], occupations[j]] = [occupations[j], occupations[i]];
  }
  const occupation = weighted(
    occupations,
    occupations.map((_, rank) => 1 / (rank + 10)),
    rand,
  );
  const communes = referentials.allCommunes({ currentOnly: true }).filter((c) => c.latitude !== null && c.postalCodes.length > 0);
  const populations = loadCommunePopulations();
  const commune = weighted(
    communes,
    communes.map((c) => populations.get(c.code) ?? 1),
    rand,
  );
  const dateBefore = (maxDaysAgo: number) => new Date(now.getTime() - Math.floor(rand() * maxDaysAgo) * DAY).toISOString().slice(0, 10);

  return (i: number): GeneratedCv => {
    const main = occupation();
    const romeCodes = [main.code, ...(rand() < 0.5 ? [occupation().code] : []), ...(rand() < 0.2 ? [occupation().code] : [])];
    const skills = [...new Set(Array.from({ length: 2 + Math.floor(rand() * 5) }, () => pick(SKILLS)))];
    const place = commune();
    const byPostal = rand() < 0.5;
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const experiences = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => {
      const from = dateBefore(3650);
      return {
        title: k === 0 ? main.label : occupation().label,
        employer: pick(EMPLOYERS),
        from,
        to:
          rand() < 0.3
            ? null
            : new Date(Math.min(now.getTime(), Date.parse(from) + (30 + Math.floor(rand() * 1000)) * DAY)).toISOString().slice(0, 10),
        description: rand() < 0.5 ? `Missions principales : ${skills.slice(0, 2).join(', ').toLowerCase()}.` : null,
      };
    });
    const input = {
      candidateRef: `bench-cv-${i}`,
      headline: `${main.label}${rand() < 0.3 ? ' - expérience confirmée' : ''}`,
      summary:
        rand() < 0.85
          ? `${first} cherche un poste de ${main.label.toLowerCase()} autour de ${place.name}. Compétences : ${skills.join(', ')}.`
          : null,
      skills,
      romeCodes,
      location: byPostal ? { postalCode: pick(place.postalCodes) } : { communeCode: place.code },
      mobilityRadiusKm: pick([0, 5, 10, 20, 30, 30, 30, 50, 100]),
      desiredContractTypes: [...new Set(Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(CONTRACTS)))],
      availableFrom: rand() < 0.6 ? null : new Date(now.getTime() + Math.floor(rand() * 120) * DAY).toISOString().slice(0, 10),
      experiences,
      education: Array.from({ length: Math.floor(rand() * 3) }, () => ({
        title: `Formation ${main.label.toLowerCase()}`.slice(0, 255),
        level: pick(LEVELS),
        year: 1985 + Math.floor(rand() * 40),
      })),
      languages: rand() < 0.4 ? ['Français', 'Anglais'] : ['Français'],
      drivingLicences: rand() < 0.7 ? ['B'] : [],
      contact:
        rand() < 0.8
          ? {
              name: `${first} ${last}`,
              email: `${first}.${last}.${i}@example.org`
                .toLowerCase()
                .normalize('NFD')
                .replace(/[\u0300-\u036f]/g, ''),
              phone: `+33 6 ${String(10_000_000 + i).replace(/(\d\d)(?=\d)/g, '$1 ')}`,
            }
          : null,
    } as unknown as CvInput;
    const consenting = rand() < CONSENT_SHARE;
    return {
      input,
      // within the last 600 days: the retention job (2 years without update) never touches them
      updatedAt: new Date(now.getTime() - Math.floor(rand() * 600 * DAY)),
      consent: consenting ? { partner: rand() < 0.6 ? 0 : 1 + Math.floor(rand() * PARTNERS), shareContact: rand() < 0.35 } : null,
      revoked: !consenting && rand() < 0.03,
    };
  };
}

/** The columns publish writes (CandidateService's), then pseudonym, created_at. */
const CV_COLUMNS = [...CV_WRITE_COLUMNS, 'pseudonym', 'created_at'];
function cvValues(cv: ValidatedCv, updatedAt: Date, createdAt: Date): unknown[] {
  return [...cvWriteValues(cv, updatedAt), randomUUID(), toDbDateTime(createdAt)];
}

async function insertRows(
  conn: mysql.Connection,
  table: string,
  columns: string[],
  rows: unknown[][],
  perStatement: number,
): Promise<void> {
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [chunk]);
  }
}

async function main(): Promise<void> {
  const db = parseDatabaseUrl(DATABASE_URL);
  if (db.type !== 'mysql') throw new Error('bench:candidates runs on MariaDB/MySQL');
  const bufferPool = sizeBufferPool();
  await dropMysqlDatabase(db);
  await ensureMysqlDatabase(db);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const hub = await startBenchHub(DATABASE_URL, ADMIN_KEY, path.join(RESULTS_DIR, 'candidates-hub.log'));
  let conn: mysql.Connection | null = null;
  try {
    const { base, gql } = hub;

    // --- partners and keys, through the API
    const partnerIds: number[] = []; // local ids, index 0 = partner 1
    const partnerGlobalIds: string[] = [];
    for (let p = 1; p <= PARTNERS; p++) {
      const { createPartner } = await gql(ADMIN_KEY, 'mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }', {
        i: { code: `bench-board-${p}`, name: `Bench board ${p}` },
      });
      partnerGlobalIds.push(createPartner.id);
      partnerIds.push(Number(Buffer.from(createPartner.id, 'base64url').toString('utf8').split(':')[1]));
    }
    const issue = async (role: string, partnerId: string | null) =>
      (
        await gql(ADMIN_KEY, 'mutation($p: ID, $r: Role!) { issueApiKey(partnerId: $p, role: $r, label: "bench") { key } }', {
          p: partnerId,
          r: role,
        })
      ).issueApiKey.key as string;
    const agencyKey = await issue('AGENCY', null);
    const partnerKey = await issue('PARTNER', partnerGlobalIds[0]); // the load runs as partner 1

    // --- CVs, bulk SQL
    const now = new Date();
    const next = generator(now);
    console.log(`Generating and validating ${TOTAL.toLocaleString('en')} CVs...`);
    let started = Date.now();
    const generated: GeneratedCv[] = [];
    const validated: ValidatedCv[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const g = next(i);
      generated.push(g);
      validated.push(validateCvInput(g.input));
    }
    const generateSeconds = (Date.now() - started) / 1000;
    console.log(`  ${generateSeconds.toFixed(1)} s`);

    conn = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      charset: 'utf8mb4',
      dateStrings: true,
    });
    // The row the API writes for a CV (id from AUTO_INCREMENT) comes after ours: start ids at 1.
    const [[maxRow]] = (await conn.query('SELECT COALESCE(MAX(id), 0) AS m FROM candidate_cv')) as any;
    const firstId = Number(maxRow.m) + 1;
    console.log(`Inserting ${TOTAL.toLocaleString('en')} CVs, terms, contacts and consents (${BATCH} CVs a transaction)...`);
    started = Date.now();
    const counts = {
      cvs: 0,
      terms: 0,
      contacts: 0,
      consents: 0,
      consentsAllPartners: 0,
      consentsOnePartner: 0,
      consentsShareContact: 0,
      revokedConsents: 0,
    };
    const consentExpiry = (grantedAt: Date) => new Date(Math.min(grantedAt.getTime() + 2 * 365 * DAY, now.getTime() + 700 * DAY));
    for (let b = 0; b < TOTAL; b += BATCH) {
      const cvRows: unknown[][] = [];
      const termRows: unknown[][] = [];
      const contactRows: unknown[][] = [];
      const consentRows: unknown[][] = [];
      for (let i = b; i < Math.min(TOTAL, b + BATCH); i++) {
        const id = firstId + i;
        const v = validated[i];
        const g = generated[i];
        const createdAt = new Date(g.updatedAt.getTime() - (i % 90) * DAY);
        cvRows.push([id, ...cvValues(v, g.updatedAt, createdAt)]);
        for (const t of v.terms) termRows.push([id, t.kind, t.value, v.departmentCode, toDbDateTime(g.updatedAt)]);
        if (v.contact) contactRows.push([id, v.contact.name, v.contact.email, v.contact.phone]);
        const grantedAt = new Date(Math.max(g.updatedAt.getTime(), now.getTime() - 300 * DAY));
        if (g.consent) {
          const partnerId = g.consent.partner === 0 ? null : partnerIds[g.consent.partner - 1];
          consentRows.push([
            id,
            partnerId,
            g.consent.shareContact ? 1 : 0,
            toDbDateTime(grantedAt),
            toDbDateTime(consentExpiry(grantedAt)),
            null,
            null,
          ]);
          counts.consents++;
          if (partnerId === null) counts.consentsAllPartners++;
          else counts.consentsOnePartner++;
          if (g.consent.shareContact) counts.consentsShareContact++;
        }
        if (g.revoked) {
          consentRows.push([id, null, 0, toDbDateTime(grantedAt), toDbDateTime(consentExpiry(grantedAt)), toDbDateTime(now), null]);
          counts.revokedConsents++;
        }
      }
      await conn.beginTransaction();
      try {
        await insertRows(conn, 'candidate_cv', ['id', ...CV_COLUMNS], cvRows, BATCH);
        await insertRows(conn, 'candidate_cv_term', ['cv_id', 'kind', 'value', 'department_code', 'cv_updated_at'], termRows, 5_000);
        await insertRows(conn, 'candidate_contact', ['cv_id', 'name', 'email', 'phone'], contactRows, BATCH);
        await insertRows(
          conn,
          'consent',
          ['cv_id', 'partner_id', 'share_contact', 'granted_at', 'expires_at', 'revoked_at', 'expired_at'],
          consentRows,
          BATCH,
        );
        await conn.commit();
      } catch (err) {
        await conn.rollback();
        throw err;
      }
      counts.cvs += cvRows.length;
      counts.terms += termRows.length;
      counts.contacts += contactRows.length;
      if ((b / BATCH) % 50 === 49)
        console.log(`  ${counts.cvs.toLocaleString('en')} CVs (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    const insertSeconds = (Date.now() - started) / 1000;
    console.log(`  ${insertSeconds.toFixed(1)} s: ${JSON.stringify(counts)}`);
    await conn.query('ANALYZE TABLE candidate_cv, candidate_cv_term, consent, candidate_contact');

    // --- well-formedness: a CV published through the API and its bulk twin hold the same rows
    const checks: string[] = [];
    const probeIndex = generated.findIndex((g) => g.consent?.partner === 0 && g.input.contact);
    const twinInput = { ...generated[probeIndex].input, candidateRef: 'bench-api-twin' };
    const published = (await gql(agencyKey, 'mutation($i: CVInput!) { publishCV(input: $i) { id } }', { i: twinInput })).publishCV;
    const apiId = Number(Buffer.from(published.id, 'base64url').toString('utf8').split(':')[1]);
    const bulkId = firstId + probeIndex;
    const compared = CV_COLUMNS.filter((c) => !['candidate_ref', 'updated_at', 'pseudonym', 'created_at'].includes(c));
    const [cvPair] = (await conn.query(`SELECT id, ${compared.join(', ')} FROM candidate_cv WHERE id IN (?, ?)`, [apiId, bulkId])) as any;
    const apiRow = cvPair.find((r: any) => r.id === apiId);
    const bulkRow = cvPair.find((r: any) => r.id === bulkId);
    for (const c of compared) {
      if (JSON.stringify(apiRow[c]) !== JSON.stringify(bulkRow[c]))
        throw new Error(`bulk row differs from publishCV's in ${c}: ${JSON.stringify(bulkRow[c])} vs ${JSON.stringify(apiRow[c])}`);
    }
    const rowsOf = async (sqlText: string, id: number) => JSON.stringify(((await conn!.query(sqlText, [id])) as any)[0]);
    for (const [label, sqlText] of [
      ['candidate_cv_term', 'SELECT kind, value, department_code FROM candidate_cv_term WHERE cv_id = ? ORDER BY kind, value'],
      ['candidate_contact', 'SELECT name, email, phone FROM candidate_contact WHERE cv_id = ?'],
    ]) {
      const a = await rowsOf(sqlText, apiId);
      const b = await rowsOf(sqlText, bulkId);
      if (a !== b) throw new Error(`bulk ${label} rows differ from publishCV's: ${b} vs ${a}`);
    }
    checks.push(
      `publishCV over HTTP and the bulk insert wrote identical candidate_cv columns (${compared.length}), candidate_cv_term and candidate_contact rows for the same input`,
    );
    await gql(agencyKey, 'mutation($id: ID!) { eraseCandidate(cvId: $id) { cvPseudonym } }', { id: published.id });

    // --- a few bulk CVs read back through the API
    const CV_FIELDS =
      'id headline summary skills romeCodes location { communeCode postalCode city departmentCode } mobilityRadiusKm desiredContractTypes availableFrom experiences { title employer from to } education { title level year } languages drivingLicences contact { name email phone }';
    const sample = [0, 1, 2, 3, 4, 5, 6, 7]
      .map((k) => Math.floor((k * TOTAL) / 8) + 3)
      .concat(
        generated.findIndex((g) => g.consent && g.consent.partner === 1),
        generated.findIndex((g) => g.consent?.shareContact && g.consent.partner === 0),
        generated.findIndex((g) => g.revoked),
      )
      .filter((i) => i >= 0 && i < TOTAL);
    for (const i of sample) {
      const id = toGlobalId('CandidateCV', firstId + i);
      const cv = (
        await gql(
          agencyKey,
          `query($id: ID!) { candidate(id: $id) { ${CV_FIELDS} candidateRef consents { scope shareContact status partner { id } } } }`,
          { id },
        )
      ).candidate;
      const v = validated[i];
      const g = generated[i];
      const expect = (what: string, got: unknown, want: unknown) => {
        if (JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(`CV #${i} (${id}) ${what}: API answers ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      };
      if (!cv) throw new Error(`CV #${i} (${id}) not found through candidate(id) as AGENCY`);
      expect('candidateRef', cv.candidateRef, v.candidateRef);
      expect('headline', cv.headline, v.headline);
      expect('summary', cv.summary, v.summary);
      expect('skills', cv.skills, v.skills);
      expect('romeCodes', cv.romeCodes, v.romeCodes);
      expect('location', cv.location, {
        communeCode: v.communeCode,
        postalCode: v.postalCode,
        city: v.city,
        departmentCode: v.departmentCode,
      });
      expect('desiredContractTypes', cv.desiredContractTypes, v.desiredContractTypes);
      expect('availableFrom', cv.availableFrom, v.availableFrom);
      expect('experiences', cv.experiences.length, v.experiences.length);
      expect('education', cv.education, v.education);
      expect('contact', cv.contact, v.contact);
      const wantConsents = [
        ...(g.revoked ? [{ scope: 'ALL_PARTNERS', shareContact: false, status: 'REVOKED', partner: null }] : []),
        ...(g.consent
          ? [
              {
                scope: g.consent.partner === 0 ? 'ALL_PARTNERS' : 'PARTNER',
                shareContact: g.consent.shareContact,
                status: 'ACTIVE',
                partner: g.consent.partner === 0 ? null : { id: partnerGlobalIds[g.consent.partner - 1] },
              },
            ]
          : []),
      ];
      expect('consents', cv.consents, wantConsents);
      // and as partner 1: visible exactly when a consent covers it, contact only under shareContact
      const seen = (await gql(partnerKey, 'query($id: ID!) { candidate(id: $id) { id headline contact { email } } }', { id })).candidate;
      const covered = !!g.consent && (g.consent.partner === 0 || g.consent.partner === 1);
      expect('visible to partner 1', !!seen, covered);
      if (seen) expect('contact as partner 1', seen.contact, g.consent!.shareContact && v.contact ? { email: v.contact.email } : null);
    }
    checks.push(
      `${sample.length} bulk CVs read back through candidate(id) as AGENCY (every field, contact, consent ledger) and as the load's partner (visibility, contact) as generated`,
    );
    console.log(checks.map((c) => `ok: ${c}`).join('\n'));

    // --- the load: combinations (ROME, department) that exist among the CVs partner 1 can see
    const rand = prng(77);
    const visible = generated
      .map((g, i) => i)
      .filter((i) => generated[i].consent && (generated[i].consent!.partner === 0 || generated[i].consent!.partner === 1));
    const combos = new Set<string>();
    for (let k = 0; k < 5_000 && combos.size < 1_000; k++) {
      const v = validated[visible[Math.floor(rand() * visible.length)]];
      combos.add(`${v.romeCodes[Math.floor(rand() * v.romeCodes.length)]}|${v.departmentCode}`);
    }
    const QUERY = 'query($f: CandidateFilter) { candidates(first: 20, filter: $f) { edges { node { id headline } } } }';
    const bodies = [...combos].map((c) => {
      const [r, d] = c.split('|');
      return JSON.stringify({ query: QUERY, variables: { f: { romeCodes: [r], departmentCodes: [d] } } });
    });
    // result sizes of a few of these filters (the partner's view), for the report
    const sizes: number[] = [];
    for (const body of bodies.slice(0, 50)) {
      const { variables } = JSON.parse(body);
      sizes.push((await gql(partnerKey, QUERY, variables)).candidates.edges.length);
    }
    const meanEdges = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    console.log(
      `${bodies.length} filter combinations over ${visible.length.toLocaleString('en')} CVs partner 1 can see; mean edges ${meanEdges.toFixed(1)} (first 50 probed)`,
    );

    const graphqlUrl = `${base}/graphql`;
    const load = (seconds: number) =>
      runLoad({
        url: graphqlUrl,
        bodies,
        connections: CONNECTIONS,
        seconds,
        timeoutSeconds: 10,
        headers: { authorization: `Bearer ${partnerKey}` },
      });
    console.log(`Warm-up ${WARMUP_SECONDS} s...`);
    await load(WARMUP_SECONDS);
    await new Promise((r) => setTimeout(r, 1_000)); // let the warm-up's cut-off requests finish
    const slowBefore = hub.child.slowQueries.length;
    const statementsBefore = await readSqlCounter(`${base}/metrics`);
    console.log(`Load ${SECONDS} s, ${CONNECTIONS} connections...`);
    const result = await load(SECONDS);
    const statementsAfter = await readSqlCounter(`${base}/metrics`);
    const statementsPerRequest = result.completed > 0 ? (statementsAfter - statementsBefore) / result.completed : NaN;
    // Informative, no target: the same partner searching by one ROME code alone (the codes above).
    const romeBodies = [...new Set([...combos].map((c) => c.split('|')[0]))].map((r) =>
      JSON.stringify({ query: QUERY, variables: { f: { romeCodes: [r] } } }),
    );
    const loadRome = (seconds: number) =>
      runLoad({
        url: graphqlUrl,
        bodies: romeBodies,
        connections: CONNECTIONS,
        seconds,
        timeoutSeconds: 10,
        headers: { authorization: `Bearer ${partnerKey}` },
      });
    console.log(`ROME code alone (${romeBodies.length} codes): warm-up ${WARMUP_SECONDS} s, load ${SECONDS} s...`);
    await loadRome(WARMUP_SECONDS);
    await new Promise((r) => setTimeout(r, 1_000));
    const romeOnly = await loadRome(SECONDS);
    const [[accessRows]] = (await conn.query('SELECT COUNT(*) AS n FROM cv_access_log')) as any;

    const mariadb = mysqlCli('SELECT VERSION()');
    const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
    const failures = result.non2xx + result.errors + result.timeouts + result.graphqlErrors;
    const report = {
      date: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu, node: process.version, mariadb, bufferPoolBytes: bufferPool },
      data: {
        ...counts,
        partners: PARTNERS,
        visibleToLoadPartner: visible.length,
        filterCombinations: bodies.length,
        meanEdgesFirst50: Number(meanEdges.toFixed(1)),
        generateSeconds,
        insertSeconds,
        accessLogRowsAfter: Number(accessRows.n),
      },
      checks,
      load: { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, query: QUERY },
      result: { ...result, statements: statementsAfter - statementsBefore, statementsPerRequest: Number(statementsPerRequest.toFixed(2)) },
      romeOnly: { codes: romeBodies.length, ...romeOnly },
      targetP99Ms: TARGET_P99_MS,
      met: failures === 0 && result.p99 < TARGET_P99_MS,
      hub: {
        slowQueries: hub.child.slowQueries.slice(slowBefore, slowBefore + 20),
        slowQueriesDuringLoad: hub.child.slowQueries.length - slowBefore,
        errorLines: hub.child.errorLines.slice(0, 20),
      },
    };
    fs.writeFileSync(path.join(RESULTS_DIR, 'candidates-latest.json'), JSON.stringify(report, null, 2));
    const md = [
      `Candidate search benchmark, ${report.date.slice(0, 10)}: ${report.machine.cores} cores (${cpu}), Node ${process.version}, MariaDB ${mariadb} (buffer pool ${(bufferPool / 1024 ** 3).toFixed(0)} GiB).`,
      `${counts.cvs.toLocaleString('en')} CVs (${counts.terms.toLocaleString('en')} term rows, ${counts.contacts.toLocaleString('en')} contacts), ${PARTNERS} partners, ${counts.consents.toLocaleString('en')} consenting CVs (${counts.consentsAllPartners.toLocaleString('en')} ALL_PARTNERS, ${counts.consentsOnePartner.toLocaleString('en')} one partner, ${counts.consentsShareContact.toLocaleString('en')} with shareContact) plus ${counts.revokedConsents.toLocaleString('en')} revoked consents; inserted with bulk SQL in ${insertSeconds.toFixed(0)} s.`,
      `Partner 1 (sees ${visible.length.toLocaleString('en')} CVs): \`candidates(first: 20, filter: { romeCodes: [R], departmentCodes: [D] }) { edges { node { id headline } } }\`, ${bodies.length} (R, D) combinations present in its view, cycled per request (mean ${meanEdges.toFixed(1)} edges); autocannon, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s.`,
      '',
      '| query | req/s | p50 ms | p90 ms | p99 ms | max ms | completed | SQL statements / request | non-2xx | errors | timeouts | GraphQL errors | target p99 | met? |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      `| candidates (ROME + department) | ${Math.round(result.requestsPerSecond).toLocaleString('en')} | ${result.p50} | ${result.p90} | ${result.p99} | ${result.max} | ${result.completed.toLocaleString('en')} | ${statementsPerRequest.toFixed(2)} | ${result.non2xx} | ${result.errors} | ${result.timeouts} | ${result.graphqlErrors} | < ${TARGET_P99_MS} ms | ${report.met ? 'yes' : 'no'} |`,
      `| candidates (ROME code alone, ${romeBodies.length} codes; informative) | ${Math.round(romeOnly.requestsPerSecond).toLocaleString('en')} | ${romeOnly.p50} | ${romeOnly.p90} | ${romeOnly.p99} | ${romeOnly.max} | ${romeOnly.completed.toLocaleString('en')} | — | ${romeOnly.non2xx} | ${romeOnly.errors} | ${romeOnly.timeouts} | ${romeOnly.graphqlErrors} | — | — |`,
      '',
      ...checks.map((c) => `- checked: ${c}`),
      ...(result.firstGraphqlError ? [`- first GraphQL error: \`${result.firstGraphqlError.slice(0, 300)}\``] : []),
      ...(result.firstNon2xxBody ? [`- first non-2xx: \`${result.firstNon2xxBody.slice(0, 300)}\``] : []),
      `- slow statements logged by the hub during the load: ${report.hub.slowQueriesDuringLoad}`,
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'candidates-latest.md'), md + '\n');
    console.log('\n' + md);
    // requests autocannon cut off at the end are still running in the hub: let them finish (and log) before SIGTERM
    await new Promise((r) => setTimeout(r, 3_000));
  } finally {
    await conn?.end().catch(() => undefined);
    await stopAllChildren();
  }
}

process.on('SIGINT', () => {
  stopLoad();
  void stopAllChildren().then(() => process.exit(130));
});
main().catch(async (err) => {
  console.error('bench:candidates failed:', err);
  await stopAllChildren();
  process.exit(1);
});
