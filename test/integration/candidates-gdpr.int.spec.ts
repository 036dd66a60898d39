import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import type { PartnerEntity } from '../../entities';
import { toDbDateTime } from '../../src/db/sql';
import { toGlobalId } from '../../src/lib/ids';
import { createPartner } from '../factories';
import { createConsent, createCv } from '../factories/candidates';
import { issueKey } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';
import { sqlCounter } from '../../src/db/dialect';

const DAY = 86_400_000;

/** Every table of the database, from the engine's own catalogue. */
async function allTables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> =
    ds.options.type === 'better-sqlite3'
      ? await ds.query("SELECT name FROM sqlite_master WHERE type = 'table'")
      : await ds.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
  return rows.map((r) => r.name);
}

/** The tables (and a sample) in which any of these strings appears, case ignored, in any column, text or binary. */
async function tablesContaining(ds: DataSource, needles: string[]): Promise<Record<string, string>> {
  const hits: Record<string, string> = {};
  const quote = (name: string) => (ds.options.type === 'better-sqlite3' ? `"${name}"` : `\`${name}\``);
  const lowered = needles.map((n) => n.toLowerCase());
  for (const table of await allTables(ds)) {
    for (const row of (await ds.query(`SELECT * FROM ${quote(table)}`)) as Array<Record<string, unknown>>) {
      const text = Object.values(row)
        .map((v) =>
          Buffer.isBuffer(v) || v instanceof Uint8Array
            ? `${Buffer.from(v).toString('utf8')} ${Buffer.from(v).toString('latin1')}`
            : v instanceof Date
              ? v.toISOString()
              : String(v),
        )
        .join(' | ')
        .toLowerCase();
      const found = lowered.find((n) => text.includes(n));
      if (found) hits[table] = found;
    }
  }
  return hits;
}

describe.each(engines())('candidate access log and erasure on %s', (engine) => {
  let t: TestHub;
  const partners = {} as Record<'reader' | 'contactReader' | 'bystander', PartnerEntity>;
  const as = {} as Record<'reader' | 'contactReader' | 'bystander' | 'agency', ReturnType<TestHub['as']>>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'cv-gdpr');
    for (const role of ['reader', 'contactReader', 'bystander'] as const) {
      partners[role] = await createPartner(t.dataSource, { name: `Board ${role}` });
      as[role] = t.as(await issueKey(t, 'PARTNER', partners[role]));
    }
    as.agency = t.as(await issueKey(t, 'AGENCY'));
  });
  afterAll(() => t?.close());

  it('logs each CV once per request (SUMMARY, and CONTACT when read), in one INSERT written before the response', async () => {
    const withContact = await createCv(t, { headline: 'Logged with contact' });
    const contactConsent = await createConsent(t, withContact, { partner: partners.contactReader, shareContact: true });
    const summaryOnly = await createCv(t, { headline: 'Logged without contact' });
    const allConsent = await createConsent(t, summaryOnly, { partner: null, shareContact: false });
    const a = toGlobalId('CandidateCV', withContact.id);
    const b = toGlobalId('CandidateCV', summaryOnly.id);

    const statements: string[] = [];
    const counter = sqlCounter(t.dataSource);
    const spies = [
      jest.spyOn(counter, 'logQuery').mockImplementation((q) => void statements.push(q)),
      jest.spyOn(counter, 'countStatement').mockImplementation((q) => void statements.push(q)),
    ];
    const requestId = `once-${engine}-${Date.now()}`;
    let res;
    try {
      res = await t.gql(
        `query($a: ID!, $b: ID!) {
          list: candidates(first: 10) { edges { node { id contact { email } } } }
          again: candidates(first: 10) { edges { node { headline contact { name phone } } } }
          one: candidate(id: $a) { headline contact { name } }
          viaNode: node(id: $a) { ... on CandidateCV { id contact { email } } }
          other: candidate(id: $b) { contact { phone } }
        }`,
        { a, b },
        { authorization: `Bearer ${await issueKey(t, 'PARTNER', partners.contactReader)}`, 'x-request-id': requestId },
      );
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expectNoErrors(res);
    expect(res.data.one.contact.name).toBe(withContact.input.contact!.name);
    expect(res.data.other.contact).toBeNull();
    expect(statements.filter((s) => /INSERT INTO cv_access_log/i.test(s))).toHaveLength(1);

    // Read right after the response: the rows are already there.
    const rows = await t.dataSource.query('SELECT * FROM cv_access_log WHERE request_id = ? ORDER BY cv_pseudonym, field', [requestId]);
    const pseudonyms = Object.fromEntries(
      (await t.dataSource.query('SELECT id, pseudonym FROM candidate_cv WHERE id IN (?, ?)', [withContact.id, summaryOnly.id])).map(
        (r: any) => [Number(r.id), r.pseudonym],
      ),
    );
    const got = rows
      .map((r: any) => ({ cv: r.cv_pseudonym, field: r.field, consent: Number(r.consent_id), partner: Number(r.partner_id) }))
      .sort((x: any, y: any) => `${x.cv}${x.field}`.localeCompare(`${y.cv}${y.field}`));
    const expected = [
      { cv: pseudonyms[withContact.id], field: 'CONTACT', consent: contactConsent.id, partner: partners.contactReader.id },
      { cv: pseudonyms[withContact.id], field: 'SUMMARY', consent: contactConsent.id, partner: partners.contactReader.id },
      { cv: pseudonyms[summaryOnly.id], field: 'SUMMARY', consent: allConsent.id, partner: partners.contactReader.id },
    ].sort((x, y) => `${x.cv}${x.field}`.localeCompare(`${y.cv}${y.field}`));
    expect(got).toEqual(expected);
    // No CV content in the log.
    expect(JSON.stringify(rows)).not.toMatch(/Logged|example\.fr|Camille/);
    expect(rows.every((r: any) => r.api_key_id !== null)).toBe(true);
  });

  it('logs nothing for the agency, nor for a partner that saw no CV; shows the log to the agency only', async () => {
    const cv = await createCv(t, { headline: 'Agency view' });
    await createConsent(t, cv, { partner: partners.reader });
    const id = toGlobalId('CandidateCV', cv.id);
    const [{ n: before }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM cv_access_log');
    expectNoErrors(
      await as.agency('query($id: ID!) { candidate(id: $id) { contact { email } } candidates { edges { node { id } } } }', { id }),
    );
    expectNoErrors(await as.bystander('query($id: ID!) { candidate(id: $id) { id } }', { id }));
    const [{ n: after }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM cv_access_log');
    expect(Number(after)).toBe(Number(before));

    expectNoErrors(await as.reader('query($id: ID!) { candidate(id: $id) { headline } }', { id }));
    const keys = await as.agency('query($p: ID) { apiKeys(partnerId: $p) { id } }', { p: toGlobalId('Partner', partners.reader.id) });
    const log = await as.agency(
      'query($id: ID!) { cvAccessLog(cvId: $id) { partner { id } apiKey { id } consent { id scope } field requestId at cvPseudonym } candidate(id: $id) { pseudonym accessLog { field } } }',
      { id },
    );
    expectNoErrors(log);
    expect(log.data.cvAccessLog).toHaveLength(1);
    expect(log.data.cvAccessLog[0]).toMatchObject({
      partner: { id: toGlobalId('Partner', partners.reader.id) },
      apiKey: { id: keys.data.apiKeys[0].id },
      consent: { scope: 'PARTNER' },
      field: 'SUMMARY',
      cvPseudonym: log.data.candidate.pseudonym,
    });
    expect(log.data.candidate.accessLog).toEqual([{ field: 'SUMMARY' }]);
  });

  it('fails closed: when the log cannot be written, no CV data leaves', async () => {
    const cv = await createCv(t, { headline: 'Must not leak' });
    await createConsent(t, cv, { partner: partners.reader });
    const flush = jest.spyOn(t.hub.services.candidates, 'flushAccessLog').mockRejectedValueOnce(new Error('disk full'));
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await as.reader('query($id: ID!) { candidate(id: $id) { headline } }', { id: toGlobalId('CandidateCV', cv.id) });
      expect(res.status).toBe(500);
      expect(res.data).toBeUndefined();
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(res)).not.toContain('Must not leak');
    } finally {
      flush.mockRestore();
      quiet.mockRestore();
    }
  });

  it('erases a candidate: no name, email, phone or reference left in any table; the log keeps the pseudonym', async () => {
    const cv = await createCv(t, { headline: 'To be erased' });
    await createConsent(t, cv, { partner: partners.reader });
    await createConsent(t, cv, { partner: partners.contactReader, shareContact: true });
    await createConsent(t, cv, { partner: partners.bystander, revokedAt: new Date() });
    const id = toGlobalId('CandidateCV', cv.id);
    expectNoErrors(await as.reader('query($id: ID!) { candidate(id: $id) { headline } }', { id }));
    expectNoErrors(await as.contactReader('query($id: ID!) { candidate(id: $id) { contact { email } } }', { id }));
    const { name, email, phone } = cv.input.contact!;
    const personal = [name!, email!, phone!, phone!.replace('+33', '0'), cv.input.candidateRef];
    // The scan does find them while they are stored (so it can fail).
    expect(Object.keys(await tablesContaining(t.dataSource, personal)).sort()).toEqual(['candidate_contact', 'candidate_cv']);

    const res = await as.agency(
      'mutation($id: ID!) { eraseCandidate(cvId: $id) { cvPseudonym consentsErased accessLogEntriesKept partnersToNotify { id name } } }',
      { id },
    );
    expectNoErrors(res);
    const report = res.data.eraseCandidate;
    expect(report).toMatchObject({ consentsErased: 3, accessLogEntriesKept: 3 });
    expect(report.partnersToNotify.map((p: any) => p.id).sort()).toEqual(
      [toGlobalId('Partner', partners.reader.id), toGlobalId('Partner', partners.contactReader.id)].sort(),
    );

    expect(await tablesContaining(t.dataSource, personal)).toEqual({});
    for (const table of ['candidate_cv', 'candidate_contact', 'candidate_cv_term', 'consent']) {
      const column = table === 'candidate_cv' ? 'id' : 'cv_id';
      expect(await t.dataSource.query(`SELECT * FROM ${table} WHERE ${column} = ?`, [cv.id])).toEqual([]);
    }
    const kept = await t.dataSource.query('SELECT field FROM cv_access_log WHERE cv_pseudonym = ? ORDER BY field', [report.cvPseudonym]);
    expect(kept.map((r: any) => r.field)).toEqual(['CONTACT', 'SUMMARY', 'SUMMARY']);

    expect((await as.agency('query($id: ID!) { candidate(id: $id) { id } }', { id })).data.candidate).toBeNull();
    expect((await as.agency('query($id: ID!) { cvAccessLog(cvId: $id) { field } }', { id })).data.cvAccessLog).toEqual([]);
    expect((await as.agency('mutation($id: ID!) { eraseCandidate(cvId: $id) { cvPseudonym } }', { id })).errors?.[0].extensions?.code).toBe(
      'NOT_FOUND',
    );
  });
});

describe.each(engines())('candidate data retention on %s', (engine) => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub(engine, 'cv-retention');
  });
  afterAll(() => t?.close());

  /** DATABASE_URL of the suite's database, for the CLI. */
  function databaseUrl(): string {
    const o = t.dataSource.options as Record<string, any>;
    if (o.type === 'better-sqlite3') return `sqlite:${o.database}`;
    const auth = o.password ? `${encodeURIComponent(o.username)}:${encodeURIComponent(o.password)}` : encodeURIComponent(o.username);
    return `mysql://${auth}@${o.host}:${o.port}/${o.database}`;
  }

  it('npm run retention: expires consents, deletes stale unconsented CVs, purges year-old log rows, reports it', async () => {
    const now = Date.now();
    const old = new Date(now - 3 * 365 * DAY);
    const partner = await createPartner(t.dataSource);
    const staleNoConsent = await createCv(t, { updatedAt: old });
    const staleExpired = await createCv(t, { updatedAt: old });
    await createConsent(t, staleExpired, { partner, grantedAt: new Date(now - 800 * DAY), expiresAt: new Date(now - DAY) });
    const staleRevoked = await createCv(t, { updatedAt: old });
    await createConsent(t, staleRevoked, { partner, revokedAt: new Date(now - 400 * DAY) });
    const staleConsented = await createCv(t, { updatedAt: old });
    await createConsent(t, staleConsented, { partner });
    const fresh = await createCv(t);
    const freshExpired = await createCv(t);
    const expiring = await createConsent(t, freshExpired, {
      partner: null,
      grantedAt: new Date(now - 10 * DAY),
      expiresAt: new Date(now - DAY),
    });
    const log = (daysAgo: number, pseudonym: string) =>
      t.dataSource.query(
        "INSERT INTO cv_access_log (partner_id, api_key_id, cv_pseudonym, consent_id, field, request_id, accessed_at) VALUES (?, NULL, ?, NULL, 'SUMMARY', 'r', ?)",
        [partner.id, pseudonym, toDbDateTime(new Date(now - daysAgo * DAY))],
      );
    await log(400, 'year-old');
    await log(300, 'recent');

    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'src/cli/retention.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: databaseUrl() },
      timeout: 90_000,
    });
    expect(stdout).toMatch(/Retention: 2 consents expired, 3 CVs deleted .*, 1 access-log rows purged/);

    const left = (await t.dataSource.query('SELECT id FROM candidate_cv ORDER BY id')).map((r: any) => Number(r.id));
    expect(left).toEqual([staleConsented.id, fresh.id, freshExpired.id]);
    for (const gone of [staleNoConsent, staleExpired, staleRevoked]) {
      expect(await t.dataSource.query('SELECT cv_id FROM candidate_contact WHERE cv_id = ?', [gone.id])).toEqual([]);
      expect(await t.dataSource.query('SELECT id FROM consent WHERE cv_id = ?', [gone.id])).toEqual([]);
    }
    const [stamped] = await t.dataSource.query('SELECT expired_at FROM consent WHERE id = ?', [expiring.id]);
    expect(stamped.expired_at).not.toBeNull();
    expect((await t.dataSource.query('SELECT cv_pseudonym FROM cv_access_log')).map((r: any) => r.cv_pseudonym)).toEqual(['recent']);

    // Idempotent: nothing left to do.
    expect(await t.hub.services.retention.run()).toEqual({ consentsExpired: 0, cvsDeleted: 0, accessLogRowsPurged: 0 });
  });
});
