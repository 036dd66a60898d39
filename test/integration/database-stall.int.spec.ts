import mysql, { type Connection } from 'mysql2/promise';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type GraphQLResponse, type TestHub } from '../helpers/test-hub';

const PAGE = '{ offers(first: 3) { edges { node { id externalId } } } }';
const UPSERT = `mutation($offers: [OfferInput!]!) { upsertOffers(offers: $offers) { created updated unchanged rejected } }`;

/** A connection of its own to the hub's MariaDB database: another client stalling the hub's tables. */
async function mysqlClient(t: TestHub): Promise<Connection> {
  const o = t.dataSource.options as { host: string; port: number; username: string; password: string; database: string };
  return mysql.createConnection({ host: o.host, port: o.port, user: o.username, password: o.password, database: o.database });
}

/** A retriable SERVICE_UNAVAILABLE answer: HTTP 503, Retry-After, extensions.retryable, no SQL or stack. */
function expectUnavailable(res: GraphQLResponse): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfter: 1 });
  expect(res.errors![0].extensions).not.toHaveProperty('http');
  expect(JSON.stringify(res.errors)).not.toMatch(/SELECT|max_statement_time|at \w+ \(/);
}

/**
 * A stalled database (issue 14): requests fail with a retriable SERVICE_UNAVAILABLE within a bound
 * instead of waiting for it, and the hub serves again as soon as it answers. The tables are stalled
 * by another client holding `LOCK TABLES offer WRITE` (MariaDB) or the write lock (SQLite). These
 * tests would wait for the lock, a day by default on MariaDB, without the limits: jest's per-test
 * timeout makes that a failure.
 */
describe.each(engines().filter((e) => e === 'mysql'))('a stalled database on %s', (engine) => {
  describe('statement timeout on reads (DB_STATEMENT_TIMEOUT_MS)', () => {
    let t: TestHub;
    let locker: Connection;
    let asPartner: ReturnType<TestHub['as']>;
    beforeAll(async () => {
      // No request timeout here: the statement's own limit must end the wait.
      t = await startTestHub(engine, 'stall-statement', { databaseTimeouts: { statementTimeoutMs: 300 }, limits: { requestTimeoutMs: 0 } });
      const partner = await createPartner(t.dataSource);
      asPartner = t.as(await issueKey(t, 'PARTNER', partner));
      expectNoErrors(await asPartner(UPSERT, { offers: [offerInput('s-1'), offerInput('s-2')] }));
      locker = await mysqlClient(t);
    });
    afterAll(async () => {
      await locker?.end();
      await t?.close();
    });

    it('answers a search SERVICE_UNAVAILABLE while the offer table is locked, and serves again once it is released', async () => {
      await locker.query('LOCK TABLES offer WRITE');
      try {
        expectUnavailable(await t.gql(PAGE));
        // An upsert reads first (the unchanged check): refused the same way, nothing written.
        expectUnavailable(await asPartner(UPSERT, { offers: [offerInput('s-1', { title: 'Nouveau' }), offerInput('s-3')] }));
      } finally {
        await locker.query('UNLOCK TABLES');
      }
      const page = await t.gql(PAGE);
      expectNoErrors(page);
      expect(page.data.offers.edges).toHaveLength(2);
      // The retried upsert applies whole.
      const retried = await asPartner(UPSERT, { offers: [offerInput('s-1', { title: 'Nouveau' }), offerInput('s-3')] });
      expectNoErrors(retried);
      expect(retried.data.upsertOffers).toMatchObject({ created: 1, updated: 1 });
    }, 30_000);

    it('answers SERVICE_UNAVAILABLE when the connection running the query is killed', async () => {
      await locker.query('LOCK TABLES offer WRITE');
      let pending: Promise<GraphQLResponse> | undefined;
      try {
        pending = t.gql(PAGE);
        // The hub's statement waiting for the lock: kill its connection, as an operator or a failover would.
        let victim: number | undefined;
        while (victim === undefined) {
          const [rows] = await locker.query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%FROM offer%'",
          );
          victim = (rows as Array<{ id: number }>)[0]?.id;
        }
        await locker.query(`KILL CONNECTION ${Number(victim)}`);
        expectUnavailable(await pending);
      } finally {
        await locker.query('UNLOCK TABLES');
      }
      expectNoErrors(await t.gql(PAGE));
    }, 30_000);

    it('answers SERVICE_UNAVAILABLE, not a 500, when a read made through TypeORM loses its connection', async () => {
      await locker.query('LOCK TABLES partner WRITE');
      let pending: Promise<GraphQLResponse> | undefined;
      try {
        pending = t.gql('{ partners { id name } }');
        let victim: number | undefined;
        while (victim === undefined) {
          const [rows] = await locker.query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%FROM `partner`%'",
          );
          victim = (rows as Array<{ id: number }>)[0]?.id;
        }
        await locker.query(`KILL CONNECTION ${Number(victim)}`);
        expectUnavailable(await pending);
      } finally {
        await locker.query('UNLOCK TABLES');
      }
      expectNoErrors(await t.gql('{ partners { id name } }'));
    }, 30_000);
  });

  describe('request timeout (REQUEST_TIMEOUT_MS)', () => {
    let t: TestHub;
    let locker: Connection;
    beforeAll(async () => {
      // No statement limit here: the request's own deadline must answer.
      t = await startTestHub(engine, 'stall-request', { databaseTimeouts: { statementTimeoutMs: 0 }, limits: { requestTimeoutMs: 300 } });
      await createPartner(t.dataSource);
      locker = await mysqlClient(t);
    });
    afterAll(async () => {
      await locker?.end();
      await t?.close();
    });

    it('answers SERVICE_UNAVAILABLE when the request outlives its deadline, and serves again afterwards', async () => {
      await locker.query('LOCK TABLES offer WRITE');
      try {
        expectUnavailable(await t.gql(PAGE));
      } finally {
        await locker.query('UNLOCK TABLES');
      }
      expectNoErrors(await t.gql(PAGE));
    }, 30_000);
  });
});

describe.each(engines().filter((e) => e === 'sqlite'))('a stalled database on %s', (engine) => {
  let t: TestHub;
  let asPartner: ReturnType<TestHub['as']>;
  beforeAll(async () => {
    t = await startTestHub(engine, 'stall-busy', { databaseTimeouts: { busyTimeoutMs: 50 } });
    const partner = await createPartner(t.dataSource);
    asPartner = t.as(await issueKey(t, 'PARTNER', partner));
    expectNoErrors(await asPartner(UPSERT, { offers: [offerInput('b-1')] }));
  });
  afterAll(() => t?.close());

  it('answers a write SERVICE_UNAVAILABLE (retriable, not a 500) while another process holds the write lock, reads still served', async () => {
    const Database = require('better-sqlite3') as new (file: string) => { exec(sql: string): void; close(): void };
    const other = new Database(String(t.dataSource.options.database));
    other.exec('BEGIN IMMEDIATE');
    try {
      expectUnavailable(await asPartner(UPSERT, { offers: [offerInput('b-1', { title: 'Nouveau' }), offerInput('b-2')] }));
      // WAL: readers never wait for the writer.
      const page = await t.gql(PAGE);
      expectNoErrors(page);
      expect(page.data.offers.edges.map((e: any) => e.node.externalId)).toEqual(['b-1']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const retried = await asPartner(UPSERT, { offers: [offerInput('b-1', { title: 'Nouveau' }), offerInput('b-2')] });
    expectNoErrors(retried);
    expect(retried.data.upsertOffers).toMatchObject({ created: 1, updated: 1 });
  }, 30_000);
});
