import http from 'node:http';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { createPartner } from '../factories';
import { issueKey, offerInput } from '../factories/keys';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';

/** A pino logger writing its JSON lines into `lines`. */
function capturingLogger(): { lines: Array<Record<string, any>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

/** One raw HTTP request with node:http: status, headers, body, and whether 100 Continue came. */
function rawRequest(
  port: number,
  opts: { path?: string; method?: string; headers?: Record<string, string | number>; body?: (req: http.ClientRequest) => void },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; gotContinue: boolean }> {
  return new Promise((resolve, reject) => {
    let gotContinue = false;
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: opts.path ?? '/graphql',
      method: opts.method ?? 'POST',
      headers: opts.headers,
      agent: false,
    });
    req.on('continue', () => {
      gotContinue = true;
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), gotContinue }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body) opts.body(req);
    else req.end();
  });
}

describe.each(engines())('operating the hub on %s', (engine) => {
  describe('errors and request ids', () => {
    it.each(['jit', 'graphql-js'] as const)(
      'logs a database failure once with its request id and stack (%s executor)',
      async (executor) => {
        const { lines, logger } = capturingLogger();
        const t = await startTestHub(engine, `errlog${executor}`, { logger, executor });
        try {
          await createPartner(t.dataSource);
          expectNoErrors(await t.gql('{ partners { id } }'));
          await t.dataSource.query('ALTER TABLE partner RENAME TO partner_gone');
          let res;
          try {
            res = await t.gql('{ partners { id } }', undefined, { 'x-request-id': 'req-db-cut-42' });
          } finally {
            await t.dataSource.query('ALTER TABLE partner_gone RENAME TO partner');
          }
          expect(res.headers.get('x-request-id')).toBe('req-db-cut-42');
          expect(res.errors).toHaveLength(1);
          expect(res.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-db-cut-42' });
          expect(res.errors![0].message).toBe('Internal server error');
          expect(JSON.stringify(res.errors)).not.toMatch(/SELECT|sqlite|mysql|no such table|doesn't exist|partner_gone/i);
          const logged = lines.filter((l) => l.requestId === 'req-db-cut-42');
          expect(logged).toHaveLength(1);
          expect(logged[0].level).toBe(50);
          expect(logged[0].err.stack).toMatch(/partner/);
          expect(logged[0].path).toBe('partners');
        } finally {
          await t.close();
        }
      },
    );

    it('echoes a sane X-Request-Id, replaces any other, and puts it in every error', async () => {
      const t = await startTestHub(engine, 'reqid');
      try {
        const ok = await t.gql('{ viewer { role } }', undefined, { 'x-request-id': 'abc-123_x.y' });
        expect(ok.headers.get('x-request-id')).toBe('abc-123_x.y');
        const insane = await t.gql('{ viewer { role } }', undefined, { 'x-request-id': 'no spaces or <tags> please' });
        expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        const bad = await t.gql('{ offers(first: -1) { totalCount } }');
        expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: bad.headers.get('x-request-id') });
        const unauthenticated = await t.as('psk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB')('{ viewer { role } }');
        expect(unauthenticated.errors![0].extensions).toMatchObject({
          code: 'UNAUTHENTICATED',
          requestId: unauthenticated.headers.get('x-request-id'),
        });
      } finally {
        await t.close();
      }
    });

    it('suggests field names only when allowed (never in production)', async () => {
      // (graphql-js's executor: graphql-jit suggests nothing for variables' values anyway.)
      const open = await startTestHub(engine, 'suggest', { fieldSuggestions: true, executor: 'graphql-js' });
      const closed = await startTestHub(engine, 'nosuggest', { fieldSuggestions: false, executor: 'graphql-js' });
      try {
        expect((await open.gql('{ viewr { role } }')).errors![0].message).toMatch(/Did you mean "viewer"/);
        const hidden = await closed.gql('{ viewr { role } }');
        expect(hidden.status).toBe(400);
        expect(hidden.errors![0].message).toMatch(/Cannot query field "viewr"/);
        expect(hidden.errors![0].message).not.toMatch(/Did you mean/);
        // Nor in what execution says of a variable's value (input fields, enum values).
        const variable = 'query($f: OfferFilter) { offers(filter: $f) { totalCount } }';
        expect((await open.gql(variable, { f: { keyword: 'chef' } })).errors![0].message).toMatch(/Did you mean "keywords"/);
        const hiddenVariable = await closed.gql(variable, { f: { keyword: 'chef' } });
        expect(hiddenVariable.errors![0].message).toMatch(/"keyword" is not defined by type "OfferFilter"\.$/);
        expect(hiddenVariable.errors![0].message).not.toMatch(/Did you mean/);
        const hiddenEnum = await closed.gql('query($s: OfferSort) { offers(sort: $s) { totalCount } }', { s: 'DISTANC' });
        expect(hiddenEnum.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(hiddenEnum.errors![0].message).not.toMatch(/Did you mean/);
      } finally {
        await open.close();
        await closed.close();
      }
    });
  });

  it('rate-limits failed authentications per address before looking the key up', async () => {
    const t = await startTestHub(engine, 'authguess', { limits: { authFailurePerSecond: 0.001, authFailureBurst: 5 } });
    try {
      const before = t.sqlCount();
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) {
        const guess = `psk_${String(i).padStart(8, 'A')}_${'B'.repeat(32)}`;
        statuses.push((await t.as(guess)('{ viewer { role } }')).status);
      }
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(395);
      expect(t.sqlCount() - before).toBeLessThanOrEqual(5);
      const limited = await t.as('psk_CCCCCCCC_' + 'D'.repeat(32))('{ viewer { role } }');
      expect(limited.errors![0].extensions?.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Anonymous requests from the same address are not affected.
      expect((await t.gql('{ viewer { role } }')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  describe('oversized bodies', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine, 'bodies', { limits: { publicBodyBytes: 64 * 1024 } });
    });
    afterAll(() => t?.close());
    const BIG = 20 * 1024 * 1024;

    it('refuses a declared length over the limit before 100 Continue', async () => {
      const res = await rawRequest(t.hub.port, {
        headers: { 'content-type': 'application/json', 'content-length': BIG, expect: '100-continue' },
        body: () => {}, // waits for 100 Continue, which never comes
      });
      expect(res.status).toBe(413);
      expect(res.gotContinue).toBe(false);
      expect(JSON.parse(res.body).errors[0].message).toMatch(/over 65536 bytes/);
    });

    it('sends 100 Continue to a body within the limit', async () => {
      const body = JSON.stringify({ query: '{ viewer { role } }' });
      const res = await rawRequest(t.hub.port, {
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
        body: (req) => req.on('continue', () => req.end(body)),
      });
      expect(res.gotContinue).toBe(true);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).data.viewer.role).toBe('PUBLIC');
    });

    it.each([
      ['declared', true],
      ['chunked, undeclared', false],
    ])(
      'answers 413 to a 20 MB body being sent (%s) and reads it to the end: the client sends it all, no reset',
      async (_name, declared) => {
        const outcome = await new Promise<{ status: number; body: string; sendError: Error | null }>((resolve) => {
          const req = http.request({
            host: '127.0.0.1',
            port: t.hub.port,
            path: '/graphql',
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json', ...(declared ? { 'content-length': BIG } : {}) },
          });
          let sendError: Error | null = null;
          let response: { status: number; body: string } | null = null;
          let sent = false;
          const done = () => response && (sent || sendError) && resolve({ ...response, sendError });
          req.on('error', (err) => {
            sendError = err;
            done();
          });
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              response = { status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') };
              done();
            });
          });
          // The whole body, whatever the server answers meanwhile (as curl and browsers do).
          req.end(Buffer.alloc(BIG, 0x20), () => {
            sent = true;
            done();
          });
        });
        expect(outcome.sendError).toBeNull();
        expect(outcome.status).toBe(413);
        expect(JSON.parse(outcome.body).errors[0].extensions.code).toBe('BAD_REQUEST');
      },
    );
  });

  describe('metrics and health', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine, 'metrics', { metricsToken: 'metrics-token-for-tests' });
    });
    afterAll(() => t?.close());
    const base = () => t.url.replace('/graphql', '');
    const metrics = (authorization?: string) => fetch(`${base()}/metrics`, { headers: authorization ? { authorization } : {} });

    it('serves Prometheus metrics to the token or an AGENCY key only', async () => {
      expect((await metrics()).status).toBe(401);
      expect((await metrics('Bearer wrong-token-wrong-token')).status).toBe(401);
      const partner = await createPartner(t.dataSource);
      expect((await metrics(`Bearer ${await issueKey(t, 'PARTNER', partner)}`)).status).toBe(403);
      expect((await metrics(`Bearer ${await issueKey(t, 'AGENCY')}`)).status).toBe(200);

      const push = await t.as(await issueKey(t, 'PARTNER', partner))(
        'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created } }',
        {
          o: [offerInput('m-1'), offerInput('m-2')],
        },
      );
      expectNoErrors(push);
      await t.gql('query Search { offers(first: 1) { totalCount } }');
      await t.gql('query Broken { offers(first: -1) { totalCount } }');
      const res = await metrics('Bearer metrics-token-for-tests');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/^passerelle_sql_statements_total \d+$/m);
      expect(text).toMatch(/^passerelle_http_requests_total\{route="graphql",operation="Search",outcome="ok"\} 1$/m);
      expect(text).toMatch(/^passerelle_http_requests_total\{route="graphql",operation="Broken",outcome="BAD_USER_INPUT"\} 1$/m);
      expect(text).toMatch(/^passerelle_errors_total\{code="BAD_USER_INPUT"\} \d+$/m);
      // Errors answered before GraphQL runs count too (here the 401 and 403 above).
      expect(text).toMatch(/^passerelle_errors_total\{code="UNAUTHENTICATED"\} \d+$/m);
      expect(text).toMatch(/^passerelle_http_requests_total\{route="metrics",operation="-",outcome="FORBIDDEN"\} 1$/m);
      expect(text).toMatch(/^passerelle_http_request_duration_seconds_bucket\{le="\+Inf",route="graphql",operation="Search"\} 1$/m);
      expect(text).toMatch(/^passerelle_offers_ingested_total\{outcome="created"\} 2$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      if (engine === 'mysql') expect(text).toMatch(/^passerelle_db_pool_connections\{state="open"\} \d+$/m);
    });

    it('is live, and ready only with the database answering and the migrations applied', async () => {
      expect((await fetch(`${base()}/health`)).status).toBe(200);
      expect((await fetch(`${base()}/health/live`)).status).toBe(200);
      const ready = await fetch(`${base()}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
      const [last] = await t.dataSource.query('SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1');
      await t.dataSource.query('DELETE FROM migrations WHERE id = ?', [last.id]);
      try {
        const pending = await fetch(`${base()}/health/ready`);
        expect(pending.status).toBe(503);
        expect(await pending.json()).toEqual({ status: 'unavailable', problems: ['migrations pending'] });
      } finally {
        await t.dataSource.query('INSERT INTO migrations (id, timestamp, name) VALUES (?, ?, ?)', [last.id, last.timestamp, last.name]);
      }
      expect((await fetch(`${base()}/health/ready`)).status).toBe(200);
      await t.dataSource.destroy();
      try {
        const down = await fetch(`${base()}/health/ready`);
        expect(down.status).toBe(503);
        expect(await down.json()).toEqual({ status: 'unavailable', problems: ['database unreachable'] });
        expect((await fetch(`${base()}/health/live`)).status).toBe(200);
      } finally {
        await t.dataSource.initialize();
      }
    });
  });

  it('finishes the requests in flight on close, and accepts no new connection', async () => {
    const t = await startTestHub(engine, 'shutdown');
    let closed = false;
    try {
      const body = JSON.stringify({ query: '{ viewer { role } }' });
      let sendRest!: () => void;
      const inFlight = rawRequest(t.hub.port, {
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        body: (req) => {
          req.write(body.slice(0, 10));
          sendRest = () => req.end(body.slice(10));
        },
      });
      // The request is in flight once the server has its headers: /health on another connection answers after it.
      await fetch(`${t.url.replace('/graphql', '')}/health`);
      const closing = t.hub.close({ graceMs: 10_000 }).then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closed).toBe(false);
      await expect(fetch(`${t.url.replace('/graphql', '')}/health`)).rejects.toThrow();
      sendRest();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).data.viewer.role).toBe('PUBLIC');
      await closing;
      expect(closed).toBe(true);
    } finally {
      await t.close();
    }
  });
});
