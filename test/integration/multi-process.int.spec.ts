import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { DataSource } from 'typeorm';
import { AuthService } from '../../src/auth/auth.service';
import { openDatabase } from '../../src/db/data-source';
import { toGlobalId } from '../../src/lib/ids';
import { createOffer, createPartner } from '../factories';
import { offerInput } from '../factories/keys';
import { redisUrlForTests } from '../helpers/redis';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { dropDatabase, engines, freshDatabaseConfig } from '../helpers/test-hub';
import { requestScope } from '../../src/auth/request-scope';

const ROOT = path.resolve(__dirname, '../..');
const REDIS_URL = redisUrlForTests();
const AGENCY = { role: 'AGENCY' as const, apiKeyId: null };
const KEY_BURST = 6;

interface HubProcess {
  url: string;
  child: ChildProcess;
}

/** `npm start`'s entry point as a real process, on an ephemeral port; resolves once it listens. */
function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', SEED_DEMO: 'false', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const timer = setTimeout(() => reject(new Error(`hub process did not start in 60 s:\n${output.join('\n')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`hub process exited (${code}):\n${output.join('\n')}`)));
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const match = /Passerelle is listening on (http:\/\/[^\s"]+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve({ url: match[1].replace('localhost', '127.0.0.1'), child });
        }
      });
    }
  });
}

function stopHubProcess(hub: HubProcess | undefined): Promise<void> {
  if (!hub || hub.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    hub.child.once('exit', () => resolve());
    hub.child.kill('SIGTERM');
  });
}

async function post(url: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Two real hub processes on two ports, one MariaDB and one Redis (REDIS_URL): they behave as one
 * for what a user can observe (issue 17).
 */
(engines().includes('mysql') && REDIS_URL ? describe : describe.skip)('two hub processes sharing MariaDB and Redis', () => {
  const config = freshDatabaseConfig('mysql', 'multiproc');
  let ds: DataSource;
  let a: HubProcess;
  let b: HubProcess;
  let limitedKey: string;
  let partnerKey: string;
  let partnerId: number;
  let subscriberKey: string;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    ds = await openDatabase(config);
    const auth = new AuthService(ds);
    const partner = await createPartner(ds, { code: 'board-multi' });
    partnerId = partner.id;
    limitedKey = (await auth.issueKey(requestScope(AGENCY), { role: 'AGENCY', partnerId: null, label: 'rate-limited' })).key;
    partnerKey = (await auth.issueKey(requestScope(AGENCY), { role: 'PARTNER', partnerId: partner.id, label: 'pusher' })).key;
    const subscriber = await createPartner(ds, { code: 'board-hooked' });
    subscriberKey = (await auth.issueKey(requestScope(AGENCY), { role: 'PARTNER', partnerId: subscriber.id, label: 'subscriber' })).key;
    await receiver.start();
    if (config.type !== 'mysql') throw new Error('unreachable');
    const env = {
      DATABASE_URL: `mysql://${config.user}@${config.host}:${config.port}/${config.database}`,
      REDIS_URL: REDIS_URL!,
      REDIS_PREFIX: `passerelle-test-${crypto.randomBytes(4).toString('hex')}:`,
      SYNDICATION_WEBHOOK_ALLOW_LOOPBACK: 'true',
      SYNDICATION_DELIVERY_INTERVAL_MS: '100',
      RATE_LIMIT_KEY_PER_SECOND: '0.01',
      RATE_LIMIT_KEY_BURST: String(KEY_BURST),
    };
    [a, b] = await Promise.all([startHubProcess(env), startHubProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopHubProcess(a), stopHubProcess(b)]);
    await receiver.stop();
    await ds?.destroy();
    await dropDatabase(config);
  });

  it('shares a key’s rate limit: its burst is spent across both processes, then both refuse', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < KEY_BURST + 2; i++)
      statuses.push((await post(i % 2 ? b.url : a.url, { query: '{ viewer { role } }' }, limitedKey)).status);
    expect(statuses).toEqual([...Array(KEY_BURST).fill(200), 429, 429]);
  });

  it('lists and counts on one process an offer pushed through the other, within about a second', async () => {
    const count = async () =>
      (
        await post(b.url, {
          query: `{ offers(filter: { partnerIds: ["${partnerGlobalId()}"] }) { totalCount edges { node { externalId } } } }`,
        })
      ).body.data.offers;
    expect((await count()).totalCount).toBe(0); // B's count cache now holds 0
    const pushed = await post(
      a.url,
      {
        query: 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { results { status } } }',
        variables: { o: [offerInput('multi-1')] },
      },
      partnerKey,
    );
    expect(pushed.body.data.upsertOffers.results).toEqual([{ status: 'CREATED' }]);
    const deadline = Date.now() + 3_000;
    let seen = await count();
    while (seen.totalCount === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await count();
    }
    expect(seen).toEqual({ totalCount: 1, edges: [{ node: { externalId: 'multi-1' } }] });
  });

  it('finds on one process an automatic persisted query registered on the other', async () => {
    const query = `{ offers(first: 1) { totalCount } } # ${crypto.randomUUID()}`;
    const sha256Hash = crypto.createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect((await post(b.url, { extensions })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(a.url, { query, extensions })).body.data.offers).toBeDefined();
    const byHash = await post(b.url, { extensions });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data.offers.totalCount).toBeGreaterThanOrEqual(0);
  });

  it('delivers each agency change to a webhook once, though both processes run deliveries', async () => {
    const preferences = await post(
      a.url,
      { query: 'mutation { updateSyndicationPreferences(input: { enabled: true }) { id } }' },
      subscriberKey,
    );
    expect(preferences.body.errors).toBeUndefined();
    const registered = await post(
      b.url,
      { query: 'mutation($u: URL!) { registerSyndicationWebhook(url: $u) { secret } }', variables: { u: receiver.url } },
      subscriberKey,
    );
    expect(registered.body.errors).toBeUndefined();
    receiver.secret = registered.body.data.registerSyndicationWebhook.secret;
    const offers = [];
    for (let i = 0; i < 5; i++) offers.push(await createOffer(ds, { title: `Offre syndiquée ${i}` })); // agency offers
    const ids = offers.map((o) => toGlobalId('Offer', o.id));
    const deliveredIds = () => receiver.requests.flatMap((r) => r.body.changes.map((c) => c.offerId)).filter((id) => ids.includes(id));
    const deadline = Date.now() + 15_000;
    while (new Set(deliveredIds()).size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_500)); // both processes keep polling meanwhile
    expect(receiver.requests.every((r) => r.signatureOk)).toBe(true);
    expect(deliveredIds().sort()).toEqual([...ids].sort()); // every change, each exactly once
    const cursors = receiver.requests.map((r) => r.body.cursor);
    expect(new Set(cursors).size).toBe(cursors.length); // no batch delivered twice
  });

  function partnerGlobalId(): string {
    return Buffer.from(`Partner:${partnerId}`).toString('base64url');
  }
});
