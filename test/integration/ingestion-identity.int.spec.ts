import { Readable } from 'node:stream';
import type { PartnerEntity } from '../../entities';
import { importFeed } from '../../src/ingestion/feeds/feed-importer';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const UPSERT = `mutation($offers: [OfferInput!]!, $batchId: String) {
  upsertOffers(offers: $offers, batchId: $batchId) {
    created updated unchanged rejected
    results { externalId status errors { field code message } offer { id externalId title } }
  } }`;
const WITHDRAW = `mutation($ids: [String!]!) { withdrawOffers(externalIds: $ids) { withdrawn notFound } }`;

/** Variants that a case-, accent- or zero-width-insensitive comparison takes for one id (issue 14, item 2). */
const VARIANTS = {
  case: ['Job-42', 'job-42', 'JOB-42'],
  accents: ['caf\u00e9-1', 'cafe\u0301-1', 'cafe-1'], // NFC é, NFD e + U+0301, no accent
  zeroWidth: ['Job77', 'Job\u200b77', 'Job\u200d77', 'Jo\ufeffb77'],
};

/**
 * Identity of partner references (issue 14, items 2 and 3): an externalId is its exact string
 * (after removing control characters and trimming), on both engines; one that is not valid
 * Unicode (a lone surrogate) is REJECTED on its own, and the rest of the call goes through.
 */
describe.each(engines())('externalId identity on %s', (engine) => {
  let t: TestHub;
  let partner: PartnerEntity;
  let asPartner: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub(engine, 'identity');
    partner = await createPartner(t.dataSource);
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
  });
  afterAll(() => t?.close());

  /** The partner's stored offers: exact externalId -> status. */
  const stored = async (): Promise<Map<string, string>> => {
    const rows: Array<{ external_id: string; status: string }> = await t.dataSource.query(
      'SELECT external_id, status FROM offer WHERE partner_id = ?',
      [partner.id],
    );
    return new Map(rows.map((r) => [r.external_id, r.status]));
  };

  it('compares the reference columns byte for byte, as the service does', async () => {
    if (engine === 'mysql') {
      const rows: Array<{ t: string; c: string; collation: string }> = await t.dataSource.query(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND (TABLE_NAME, COLUMN_NAME) IN (('offer', 'external_id'), ('ingest_batch', 'batch_id'), ('api_key', 'prefix'), ('candidate_cv', 'candidate_ref'))`,
      );
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row.collation).toBe('utf8mb4_nopad_bin');
    } else {
      // SQLite: the unique index compares external_id with BINARY (the column's default).
      const columns: Array<{ name: string; coll: string }> = await t.dataSource.query(
        `SELECT name, coll FROM pragma_index_xinfo('uq_offer_partner_external') WHERE key = 1`,
      );
      expect(columns).toEqual([
        { name: 'partner_key', coll: 'BINARY' },
        { name: 'external_id', coll: 'BINARY' },
      ]);
    }
  });

  it('stores ids differing by case, accents (NFC/NFD) or a zero-width character as different offers, with the unrelated ones of the batch', async () => {
    const ids = [...VARIANTS.case, ...VARIANTS.accents, ...VARIANTS.zeroWidth];
    const res = await asPartner(UPSERT, {
      offers: [offerInput('unrelated-1'), ...ids.map((id) => offerInput(id)), offerInput('unrelated-2')],
    });
    expectNoErrors(res);
    expect(res.data.upsertOffers).toMatchObject({ created: ids.length + 2, updated: 0, unchanged: 0, rejected: 0 });
    const results = res.data.upsertOffers.results;
    expect(results.map((r: any) => r.offer.externalId)).toEqual(['unrelated-1', ...ids, 'unrelated-2']);
    expect(new Set(results.map((r: any) => r.offer.id)).size).toBe(ids.length + 2);
    const rows = await stored();
    for (const id of ['unrelated-1', ...ids, 'unrelated-2']) expect(rows.get(id)).toBe('ACTIVE');

    // Sent again: each finds its own row (the plain-read path), none another's.
    const again = await asPartner(UPSERT, { offers: ids.map((id) => offerInput(id)) });
    expectNoErrors(again);
    expect(again.data.upsertOffers).toMatchObject({ unchanged: ids.length, created: 0, updated: 0 });
    expect(again.data.upsertOffers.results.map((r: any) => r.offer.id)).toEqual(results.slice(1, -1).map((r: any) => r.offer.id));
  });

  it('takes a variant of a stored id, in a later call, for a new offer and leaves the stored one alone', async () => {
    const first = await asPartner(UPSERT, { offers: [offerInput('Ref-9', { title: 'Cuisinier' })] });
    expectNoErrors(first);
    const storedId = first.data.upsertOffers.results[0].offer.id;

    const variant = await asPartner(UPSERT, {
      offers: [offerInput('REF-9', { title: 'Serveur' }), offerInput('Ref\u200b-9'), offerInput('later-unrelated')],
    });
    expectNoErrors(variant);
    expect(variant.data.upsertOffers).toMatchObject({ created: 3, updated: 0, rejected: 0 });
    expect(variant.data.upsertOffers.results.map((r: any) => r.offer.id)).not.toContain(storedId);
    // A changed variant updates the variant (the stored path: a transaction with row locks).
    const changed = await asPartner(UPSERT, {
      offers: [offerInput('REF-9', { title: 'Serveur de salle' }), offerInput('Ref-9', { title: 'Cuisinier' })],
    });
    expectNoErrors(changed);
    expect(changed.data.upsertOffers.results.map((r: any) => [r.externalId, r.status])).toEqual([
      ['REF-9', 'UPDATED'],
      ['Ref-9', 'UNCHANGED'],
    ]);
    expect(changed.data.upsertOffers.results[1].offer).toMatchObject({ id: storedId, title: 'Cuisinier' });

    // Withdrawing one variant withdraws that one only; a variant never stored is notFound.
    const withdrawn = await asPartner(WITHDRAW, { ids: ['REF-9', 'ref-9'] });
    expectNoErrors(withdrawn);
    expect(withdrawn.data.withdrawOffers).toEqual({ withdrawn: ['REF-9'], notFound: ['ref-9'] });
    const rows = await stored();
    expect(rows.get('REF-9')).toBe('WITHDRAWN');
    expect(rows.get('Ref-9')).toBe('ACTIVE');
  });

  it('still rejects a second copy of the very same id in one call as DUPLICATE, keeping the first', async () => {
    const res = await asPartner(UPSERT, {
      offers: [offerInput('dup-1', { title: 'Premier' }), offerInput('dup-1', { title: 'Second' }), offerInput('Dup-1')],
    });
    expectNoErrors(res);
    expect(res.data.upsertOffers).toMatchObject({ created: 2, rejected: 1 });
    const [first, second, variant] = res.data.upsertOffers.results;
    expect(first).toMatchObject({ status: 'CREATED', offer: { title: 'Premier' } });
    expect(second).toMatchObject({ status: 'REJECTED', offer: null, errors: [{ field: 'externalId', code: 'DUPLICATE' }] });
    expect(variant).toMatchObject({ status: 'CREATED', externalId: 'Dup-1' });
  });

  it('rejects an externalId holding a lone surrogate on its own, every time a whole feed is re-pushed, and writes the rest', async () => {
    const feed = [
      offerInput('feed-1'),
      offerInput('bad-\ud800'),
      offerInput('feed-2'),
      offerInput(`\udfff-bad${'x'.repeat(130)}`, { title: '' }),
      offerInput('feed-\ud83d\ude00'),
    ];
    for (const attempt of [1, 2, 3]) {
      const res = await asPartner(UPSERT, { offers: feed });
      expectNoErrors(res);
      const payload = res.data.upsertOffers;
      expect(payload).toMatchObject(attempt === 1 ? { created: 3, rejected: 2 } : { unchanged: 3, created: 0, updated: 0, rejected: 2 });
      // (echoed with U+FFFD for the lone surrogate: a stored batch response is JSON, which refuses it)
      expect(payload.results[1]).toMatchObject({
        externalId: 'bad-\ufffd',
        status: 'REJECTED',
        offer: null,
        errors: [{ field: 'externalId', code: 'INVALID_CHARACTERS' }],
      });
      // Every error of the item, as for any rejected item.
      expect(payload.results[3].errors.map((e: any) => e.code).sort()).toEqual(['INVALID_CHARACTERS', 'REQUIRED', 'TOO_LONG']);
      expect(payload.results[4]).toMatchObject({ externalId: 'feed-\ud83d\ude00', status: attempt === 1 ? 'CREATED' : 'UNCHANGED' }); // a real emoji is fine
    }
    // The same with a change among the good ones (the transaction path), and with a batchId.
    const changed = await asPartner(UPSERT, {
      offers: [...feed.slice(0, 4), offerInput('feed-\ud83d\ude00', { title: 'Changée' })],
      batchId: 'feed-2026-12-05',
    });
    expectNoErrors(changed);
    expect(changed.data.upsertOffers).toMatchObject({ unchanged: 2, updated: 1, rejected: 2 });
    const replay = await asPartner(UPSERT, {
      offers: [...feed.slice(0, 4), offerInput('feed-\ud83d\ude00', { title: 'Changée' })],
      batchId: 'feed-2026-12-05',
    });
    expect(replay.data).toEqual(changed.data);
    const rows = await stored();
    expect([...rows.keys()].filter((id) => id.includes('\ufffd'))).toEqual([]);
  });

  it('answers a withdrawal of a lone-surrogate id as notFound, and withdraws the others of the call', async () => {
    expectNoErrors(await asPartner(UPSERT, { offers: [offerInput('w-1'), offerInput('w-2')] }));
    const res = await asPartner(WITHDRAW, { ids: ['w-1', 'w-\ud800', ' w-2 '] });
    expectNoErrors(res);
    expect(res.data.withdrawOffers).toEqual({ withdrawn: ['w-1', 'w-2'], notFound: ['w-\ud800'] });
  });

  it('refuses a batchId holding a lone surrogate as BAD_USER_INPUT (two such ids would be stored the same)', async () => {
    const res = await asPartner(UPSERT, { offers: [offerInput('b-1')], batchId: 'batch-\udc00' });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/batchId/);
  });

  it('takes batchIds differing by case as two batches', async () => {
    const one = await asPartner(UPSERT, { offers: [offerInput('bc-1')], batchId: 'Batch-A' });
    const two = await asPartner(UPSERT, { offers: [offerInput('bc-2')], batchId: 'batch-a' });
    expectNoErrors(one);
    expectNoErrors(two);
    expect(two.data.upsertOffers).toMatchObject({ created: 1 });
    expect(two.data.upsertOffers.results[0].externalId).toBe('bc-2');
  });

  it('imports a feed holding variants and a lone-surrogate id: each variant its own offer, the bad item rejected, --sync keeping exactly what the feed lists', async () => {
    const feedPartner = await createPartner(t.dataSource);
    const posting = (identifier: string) => ({
      '@context': 'https://schema.org',
      '@type': 'JobPosting',
      identifier,
      title: `Offre ${identifier}`,
      description: 'Service en salle dans un restaurant traditionnel.',
      employmentType: 'FULL_TIME',
      jobLocation: {
        '@type': 'Place',
        address: { '@type': 'PostalAddress', postalCode: '74000', addressLocality: 'Annecy', addressCountry: 'FR' },
      },
    });
    const ids = ['Feed-1', 'feed-1', 'cafe\u0301-2', 'caf\u00e9-2', 'Feed\u200b3', 'Feed3', 'lone-\ud800'];
    const run = (list: string[], sync: boolean) =>
      importFeed({
        source: Readable.from([Buffer.from(JSON.stringify(list.map(posting)))]),
        ingestion: t.hub.services.ingestion,
        publisher: { kind: 'PARTNER', partnerId: feedPartner.id },
        sync,
      });
    const first = await run(ids, true);
    expect(first).toMatchObject({ items: ids.length, created: ids.length - 1, rejected: 1, withdrawn: 0 });
    expect(first.rejections[0].errors[0]).toMatchObject({ field: 'externalId', code: 'INVALID_CHARACTERS' });
    const again = await run(ids, true);
    expect(again).toMatchObject({ unchanged: ids.length - 1, rejected: 1, withdrawn: 0 });
    // A later feed drops the NFD and zero-width variants: exactly those leave.
    const later = await run(['Feed-1', 'feed-1', 'caf\u00e9-2', 'Feed3', 'lone-\ud800'], true);
    expect(later).toMatchObject({ unchanged: 4, withdrawn: 2 });
    const rows: Array<{ external_id: string; status: string }> = await t.dataSource.query(
      'SELECT external_id, status FROM offer WHERE partner_id = ?',
      [feedPartner.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.external_id, r.status]))).toEqual(
      Object.fromEntries([
        ['Feed-1', 'ACTIVE'],
        ['feed-1', 'ACTIVE'],
        ['cafe\u0301-2', 'WITHDRAWN'],
        ['caf\u00e9-2', 'ACTIVE'],
        ['Feed\u200b3', 'WITHDRAWN'],
        ['Feed3', 'ACTIVE'],
      ]),
    );
  });
});
