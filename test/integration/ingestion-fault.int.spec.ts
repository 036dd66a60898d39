import mysql from 'mysql2/promise';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

const UPSERT = 'mutation($o: [OfferInput!]!, $b: String) { upsertOffers(offers: $o, batchId: $b) { created updated unchanged rejected } }';

/**
 * The MariaDB connection is killed in the middle of a batch: afterwards the batch is entirely
 * absent, a retry with the same batchId completes it, and the hub serves again without a restart.
 */
const mysqlOnly = engines().includes('mysql') ? ['mysql' as const] : [];
(mysqlOnly.length ? describe.each(mysqlOnly) : describe.skip.each(['mysql' as const]))('a connection killed mid-batch on %s', (engine) => {
  let t: TestHub;
  let admin: mysql.Connection;
  beforeAll(async () => {
    t = await startTestHub(engine, 'fault');
    const url = new URL(process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/');
    admin = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
    });
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  it('leaves the batch all or nothing, and a retry with the same batchId completes it', async () => {
    const partner = await createPartner(t.dataSource);
    const asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    const offers = Array.from({ length: 3000 }, (_, i) => offerInput(`fault-${String(i).padStart(5, '0')}`));
    const [{ db }] = (await t.dataSource.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;

    // Make the batch's transaction stop after it has written its offers: another connection holds
    // an uncommitted row with the same batch key, so the final INSERT of the stored response waits.
    await admin.query(`USE \`${db}\``);
    await admin.beginTransaction();
    await admin.query(
      "INSERT INTO ingest_batch (publisher_key, batch_id, payload_hash, response, created_at) VALUES (?, 'fault-batch', 'x', '{}', NOW(3))",
      [partner.id],
    );

    // Watch for that transaction to be waiting there, its offers written, then kill its connection.
    let killed = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching && !killed) {
        const [rows] = await admin.query(
          `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE 'INSERT INTO ingest_batch%'`,
          [db],
        );
        for (const { id } of rows as Array<{ id: number }>) {
          await admin.query(`KILL ${Number(id)}`);
          killed++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const failed = await asPartner(UPSERT, { o: offers, b: 'fault-batch' });
    watching = false;
    await watcher;
    await admin.rollback();
    expect(killed).toBeGreaterThan(0);
    // A lost connection is the database's failure, not the call's: retriable (issue 14).
    expect(failed.status).toBe(503);
    expect(failed.errors?.[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(JSON.stringify(failed.errors)).not.toMatch(/SELECT|INSERT|stack/i);

    // Nothing of the batch is there: not one offer, not the stored response.
    const [{ n }] = await t.dataSource.query("SELECT COUNT(*) AS n FROM offer WHERE external_id LIKE 'fault-%'");
    expect(Number(n)).toBe(0);
    const [{ b }] = await t.dataSource.query("SELECT COUNT(*) AS b FROM ingest_batch WHERE batch_id = 'fault-batch'");
    expect(Number(b)).toBe(0);

    // The hub serves again without a restart, and the retry completes the batch.
    expectNoErrors(await t.gql('{ offers(first: 1) { totalCount } }'));
    const retry = await asPartner(UPSERT, { o: offers, b: 'fault-batch' });
    expectNoErrors(retry);
    expect(retry.data.upsertOffers).toEqual({ created: 3000, updated: 0, unchanged: 0, rejected: 0 });
    const [{ m }] = await t.dataSource.query("SELECT COUNT(*) AS m FROM offer WHERE external_id LIKE 'fault-%'");
    expect(Number(m)).toBe(3000);
    // And the same batch again is a replay.
    expect((await asPartner(UPSERT, { o: offers, b: 'fault-batch' })).data).toEqual(retry.data);
  });
});
