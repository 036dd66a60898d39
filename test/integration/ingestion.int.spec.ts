import type { PartnerEntity } from '../../entities';
import { withTransaction } from '../../src/db/transaction';
import { sql } from '../../src/db/sql';
import { toGlobalId } from '../../src/lib/ids';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const UPSERT = `mutation($offers: [OfferInput!]!, $batchId: String) {
  upsertOffers(offers: $offers, batchId: $batchId) {
    created updated unchanged rejected
    results { externalId status errors { field code message } offer { id title description updatedAt status source partner { code } location { communeCode city departmentCode } } }
  } }`;
const WITHDRAW = `mutation($ids: [String!]!) { withdrawOffers(externalIds: $ids) { withdrawn notFound } }`;
const PUBLIC_IDS = `query($p: [ID!]) { offers(first: 100, filter: { partnerIds: $p }) { edges { node { externalId } } } }`;

describe.each(engines())('offer ingestion on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let asPartner: ReturnType<TestHub['as']>;
  let asAgency: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'ingest');
    partner = await createPartner(t.dataSource, { code: 'meteojob' });
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    asAgency = t.as(await issueKey(t, 'AGENCY'));
  });
  afterAll(() => t?.close());

  const publicIds = async () => {
    const res = await t.gql(PUBLIC_IDS, { p: [toGlobalId('Partner', partner.id)] });
    expectNoErrors(res);
    return res.data.offers.edges.map((e: any) => e.node.externalId).sort();
  };

  it('creates, then reports UNCHANGED without writing, then UPDATED', async () => {
    const first = await asPartner(UPSERT, { offers: [offerInput('c-1'), offerInput('c-2', { location: { communeCode: '69123' } })] });
    expectNoErrors(first);
    expect(first.data.upsertOffers).toMatchObject({ created: 2, updated: 0, unchanged: 0, rejected: 0 });
    const [one, two] = first.data.upsertOffers.results;
    expect(one.offer).toMatchObject({
      source: 'PARTNER',
      partner: { code: 'meteojob' },
      status: 'ACTIVE',
      location: { communeCode: '74010', departmentCode: '74' },
    });
    expect(two.offer.location.city).toBe('Lyon');

    const again = await asPartner(UPSERT, { offers: [offerInput('c-1'), offerInput('c-2', { location: { communeCode: '69123' } })] });
    expect(again.data.upsertOffers).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(again.data.upsertOffers.results[0].offer.updatedAt).toBe(one.offer.updatedAt);

    const changed = await asPartner(UPSERT, { offers: [offerInput('c-1', { title: 'Nouveau titre' })] });
    expect(changed.data.upsertOffers).toMatchObject({ updated: 1, unchanged: 0 });
    expect(changed.data.upsertOffers.results[0].offer).toMatchObject({ id: one.offer.id, title: 'Nouveau titre' });
    expect(changed.data.upsertOffers.results[0].offer.updatedAt > one.offer.updatedAt).toBe(true);
  });

  it('takes calls of one partner at once: interleaved new offers all stored, and an offer sent by several calls CREATED by one only', async () => {
    // Six calls whose new externalIds interleave (they share the gaps of the unique index), with
    // no conflict between them: not one may have to run again (a retry re-sends its statements).
    const calls = 6;
    const perCall = 1000;
    const batch = (name: (i: number) => string) => ({ offers: Array.from({ length: perCall }, (_, i) => offerInput(name(i))) });
    expectNoErrors(
      await asPartner(
        UPSERT,
        batch((i) => `warm-${i}`),
      ),
    ); // (the key's first use writes lastUsedAt)
    await t.settle();
    let before = t.sqlCount();
    expectNoErrors(
      await asPartner(
        UPSERT,
        batch((i) => `solo-${i}`),
      ),
    );
    const statementsOfOneCall = t.sqlCount() - before;
    await t.settle();
    before = t.sqlCount();
    const interleaved = await Promise.all(
      Array.from({ length: calls }, (_, c) =>
        asPartner(
          UPSERT,
          batch((i) => `mix-${i * calls + c}`),
        ),
      ),
    );
    for (const res of interleaved) {
      expectNoErrors(res);
      expect(res.data.upsertOffers).toMatchObject({ created: perCall, rejected: 0 });
    }
    expect(t.sqlCount() - before).toBe(calls * statementsOfOneCall);

    // Four calls at once carrying the same 100 new offers, each with its own title.
    const same = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        asPartner(UPSERT, { offers: Array.from({ length: 100 }, (_, i) => offerInput(`same-${i}`, { title: `Version ${n}` })) }),
      ),
    );
    const statuses = same.flatMap((res) => {
      expectNoErrors(res);
      return res.data.upsertOffers.results.map((r: { status: string }) => r.status);
    });
    expect(statuses.filter((s) => s === 'CREATED')).toHaveLength(100);
    expect(statuses.filter((s) => s === 'UPDATED')).toHaveLength(300);
    const [{ n }] = await t.dataSource.query(
      "SELECT COUNT(*) AS n FROM offer WHERE partner_key = ? AND (external_id LIKE 'same-%' OR external_id LIKE 'mix-%')",
      [partner.id],
    );
    expect(Number(n)).toBe(100 + calls * perCall);
  });

  it('rejects a bad item with every error it has, and keeps the good ones', async () => {
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const res = await asPartner(UPSERT, {
      offers: [
        offerInput('ok-1'),
        offerInput('bad-1', {
          title: '',
          location: { postalCode: '99999' },
          salary: { min: 3000, max: 2000, period: 'MONTH' },
          validThrough: past,
          applyUrl: 'javascript:alert(1)',
          romeCode: 'Z9999',
        }),
        offerInput('ok-2'),
        offerInput('ok-1'),
      ],
    });
    expectNoErrors(res);
    const payload = res.data.upsertOffers;
    expect(payload).toMatchObject({ created: 2, rejected: 2 });
    expect(payload.results.map((r: any) => r.status)).toEqual(['CREATED', 'REJECTED', 'CREATED', 'REJECTED']);
    const fields = payload.results[1].errors.map((e: any) => e.field).sort();
    expect(fields).toEqual(['applyUrl', 'location.postalCode', 'romeCode', 'salary.max', 'title', 'validThrough']);
    expect(payload.results[1].offer).toBeNull();
    expect(payload.results[3].errors[0]).toMatchObject({ field: 'externalId', code: 'DUPLICATE' });
    expect(await publicIds()).toEqual(expect.arrayContaining(['ok-1', 'ok-2']));
    expect(await publicIds()).not.toContain('bad-1');
  });

  it('rejects what the database could not store, item by item: a description over 65,535 bytes once sanitized, an employer URL over 500 characters', async () => {
    const res = await asPartner(UPSERT, {
      offers: [
        offerInput('size-ok', {
          description: 'é'.repeat(30_000),
          employer: { name: 'Acme', url: `https://acme.example/${'a'.repeat(470)}` },
        }),
        offerInput('size-accents', { description: 'é'.repeat(40_000) }), // 40,000 characters, 80,000 bytes
        offerInput('size-escaped', { description: '&'.repeat(20_000) }), // "&amp;" once sanitized: 100,000 bytes
        offerInput('size-url', { employer: { name: 'Acme', url: `https://acme.example/${'a'.repeat(490)}` } }),
      ],
    });
    expectNoErrors(res);
    const [ok, accents, escaped, url] = res.data.upsertOffers.results;
    expect(ok).toMatchObject({ status: 'CREATED', errors: [] });
    expect(ok.offer.description).toHaveLength(30_000);
    expect(accents.errors).toEqual([expect.objectContaining({ field: 'description', code: 'TOO_LONG' })]);
    expect(accents.errors[0].message).toContain('80000');
    expect(escaped.errors).toEqual([expect.objectContaining({ field: 'description', code: 'TOO_LONG' })]);
    expect(url.errors).toEqual([expect.objectContaining({ field: 'employer.url', code: 'TOO_LONG' })]);
  });

  it('sanitizes HTML descriptions to a safe subset', async () => {
    const res = await asPartner(UPSERT, {
      offers: [
        offerInput('html-1', {
          description:
            '<p onclick="x()">Bonjour <script>alert(1)</script><a href="javascript:evil()">lien</a> <a href="https://ex.fr/a">ok</a><img src=x onerror=y></p>',
        }),
      ],
    });
    const description = res.data.upsertOffers.results[0].offer.description;
    expect(description).not.toMatch(/script|onclick|onerror|javascript|<img/);
    expect(description).toContain('<a href="https://ex.fr/a" rel="nofollow noopener">ok</a>');
    expect(description).toContain('<p>Bonjour');
  });

  it('replays a batch by batchId without writing, and refuses the same batchId with another payload', async () => {
    const offers = [offerInput('b-1'), offerInput('b-2')];
    const first = await asPartner(UPSERT, { offers, batchId: 'batch-42' });
    expectNoErrors(first);
    const writesBefore = await t.dataSource.query("SELECT COUNT(*) AS n FROM offer WHERE external_id IN ('b-1', 'b-2')");
    const retry = await asPartner(UPSERT, { offers, batchId: 'batch-42' });
    expect(retry.data).toEqual(first.data);
    expect(await t.dataSource.query("SELECT COUNT(*) AS n FROM offer WHERE external_id IN ('b-1', 'b-2')")).toEqual(writesBefore);
    const conflict = await asPartner(UPSERT, { offers: [offerInput('b-1', { title: 'autre' })], batchId: 'batch-42' });
    expect(conflict.errors?.[0].extensions?.code).toBe('CONFLICT');
    // batchIds are per publisher: the agency may use the same one.
    expectNoErrors(await asAgency(UPSERT, { offers: [offerInput('agency-b')], batchId: 'batch-42' }));
  });

  it('records the batchId of a call whose items are all unchanged, and reports a withdrawn one as UPDATED', async () => {
    const offers = [offerInput('u-1'), offerInput('u-2')];
    expectNoErrors(await asPartner(UPSERT, { offers }));
    const same = await asPartner(UPSERT, { offers, batchId: 'all-unchanged' });
    expect(same.data.upsertOffers).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect(same.data.upsertOffers.results.map((r: any) => [r.externalId, r.status, typeof r.offer.id])).toEqual([
      ['u-1', 'UNCHANGED', 'string'],
      ['u-2', 'UNCHANGED', 'string'],
    ]);
    expect((await asPartner(UPSERT, { offers, batchId: 'all-unchanged' })).data).toEqual(same.data);
    const conflict = await asPartner(UPSERT, { offers: [offerInput('u-1', { title: 'autre' })], batchId: 'all-unchanged' });
    expect(conflict.errors?.[0].extensions?.code).toBe('CONFLICT');
    // Same input, but withdrawn meanwhile: not unchanged, it is published again.
    expectNoErrors(await asPartner('mutation { withdrawOffers(externalIds: ["u-2"]) { withdrawn } }'));
    const back = await asPartner(UPSERT, { offers });
    expect(back.data.upsertOffers).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await publicIds()).toEqual(expect.arrayContaining(['u-1', 'u-2']));
  });

  it('never shows public search what a write transaction has not committed yet', async () => {
    expectNoErrors(await asPartner(UPSERT, { offers: [offerInput('tx-1'), offerInput('tx-2')] }));
    const LISTED = `query($p: [ID!]) { offers(first: 100, filter: { partnerIds: $p }) { edges { node { externalId title } } } }`;
    const listed = async () => {
      const res = await t.gql(LISTED, { p: [toGlobalId('Partner', partner.id)] });
      expectNoErrors(res);
      return new Map<string, string>(res.data.offers.edges.map((e: any) => [e.node.externalId, e.node.title]));
    };
    const before = await listed();
    let opened!: () => void;
    let release!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A writer (another request, the importer...) in the middle of its transaction.
    const writer = withTransaction(t.dataSource, async (tx) => {
      await tx.run(sql`UPDATE offer SET title = 'Pas encore' WHERE partner_key = ${partner.id} AND external_id = 'tx-1'`);
      await tx.run(sql`UPDATE offer SET status = 'WITHDRAWN' WHERE partner_key = ${partner.id} AND external_id = 'tx-2'`);
      opened();
      await gate;
    });
    await open;
    const during = await listed();
    expect(during.get('tx-1')).toBe(before.get('tx-1'));
    expect(during.has('tx-2')).toBe(true);
    release();
    await writer;
    const after = await listed();
    expect(after.get('tx-1')).toBe('Pas encore');
    expect(after.has('tx-2')).toBe(false);
  });

  it('withdraws, hides from search, and brings back with a new upsert', async () => {
    await asPartner(UPSERT, { offers: [offerInput('w-1'), offerInput('w-2')] });
    const res = await asPartner(WITHDRAW, { ids: ['w-1', 'nope'] });
    expect(res.data.withdrawOffers).toEqual({ withdrawn: ['w-1'], notFound: ['nope'] });
    expect(await publicIds()).not.toContain('w-1');
    expect((await asPartner(WITHDRAW, { ids: ['w-1'] })).data.withdrawOffers).toEqual({ withdrawn: [], notFound: ['w-1'] });
    const back = await asPartner(UPSERT, { offers: [offerInput('w-1')] });
    expect(back.data.upsertOffers.results[0].status).toBe('UPDATED');
    expect(await publicIds()).toContain('w-1');
  });

  it('expires offers past validThrough and lets them come back', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    await asPartner(UPSERT, { offers: [offerInput('exp-1', { validThrough: soon })] });
    expect(await publicIds()).toContain('exp-1');
    await new Promise((r) => setTimeout(r, 1700));
    expect(await publicIds()).not.toContain('exp-1'); // hidden at once by the read path
    expect(await t.hub.services.ingestion.expireOffers()).toBeGreaterThanOrEqual(1);
    const [row] = await t.dataSource.query("SELECT status FROM offer WHERE external_id = 'exp-1'");
    expect(row.status).toBe('EXPIRED');
    const back = await asPartner(UPSERT, {
      offers: [offerInput('exp-1', { validThrough: new Date(Date.now() + 86_400_000).toISOString() })],
    });
    expect(back.data.upsertOffers.results[0].status).toBe('UPDATED');
    expect(await publicIds()).toContain('exp-1');
  });

  it('hides a suspended partner at once, refuses its writes, and restores it on reactivation', async () => {
    const board = await createPartner(t.dataSource);
    const asBoard = t.as(await issueKey(t, 'PARTNER', board));
    await asBoard(UPSERT, { offers: [offerInput('s-1')] });
    const boardIds = async () => (await t.gql(PUBLIC_IDS, { p: [toGlobalId('Partner', board.id)] })).data.offers.edges.length;
    expect(await boardIds()).toBe(1);
    const suspended = await asAgency('mutation($id: ID!) { suspendPartner(id: $id) { status activeOfferCount } }', {
      id: toGlobalId('Partner', board.id),
    });
    expect(suspended.data.suspendPartner).toEqual({ status: 'SUSPENDED', activeOfferCount: 0 });
    expect(await boardIds()).toBe(0);
    const refused = await asBoard(UPSERT, { offers: [offerInput('s-2')] });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await asAgency('mutation($id: ID!) { reactivatePartner(id: $id) { status } }', { id: toGlobalId('Partner', board.id) });
    expect(await boardIds()).toBe(1);
  });

  it('refuses more than 5,000 offers in one call, naming the limit', async () => {
    const offers = Array.from({ length: 5001 }, (_, i) => offerInput(`many-${i}`));
    const res = await asAgency(UPSERT, { offers });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/5000/);
  });
});
