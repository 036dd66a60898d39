import { OfferEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { SyndicationDeliveryService, deliveryOptions, type DeliveryOptions } from '../../src/syndication/syndication-delivery';
import { createOffer, createPartner } from '../factories';
import { issueKey } from '../factories/keys';
import { PREFERENCES, expectedSet, sorted } from '../helpers/syndication';
import { engines, expectNoErrors, startTestHub, type TestHub } from '../helpers/test-hub';
import { WebhookReceiver } from '../helpers/webhook-receiver';

const REGISTER = `mutation($url: URL!, $after: String) { registerSyndicationWebhook(url: $url, after: $after) { secret partner { id } } }`;
const STATUS = `query($id: ID!) { partner(id: $id) { syndication { status lastError lastDeliveredAt webhookUrl nextAttemptAt } } }`;

describe.each(engines())('syndication webhooks on %s', (engine) => {
  let t: TestHub;
  const receivers: WebhookReceiver[] = [];
  /** The delivery services' clock: tests move it past backoffs and leases (never wait for them). */
  let nowMs = Date.now();

  beforeAll(async () => {
    t = await startTestHub(engine, 'synd-hooks', { serviceSettings: { webhookUrlPolicy: { allowLoopback: true } } });
    for (let i = 0; i < 7; i++) await createOffer(t.dataSource, { title: `Hook offer ${i}`, commune: i % 2 ? '74010' : '69123' });
  });
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await t?.close();
  });

  const delivery = (over: Partial<DeliveryOptions> = {}) =>
    new SyndicationDeliveryService(t.dataSource, t.hub.services.syndication, {
      ...deliveryOptions(),
      batchSize: 3,
      timeoutMs: 1_000,
      maxFailures: 3,
      baseBackoffMs: 1_000,
      clock: () => new Date(nowMs),
      random: () => 0.5,
      owner: 'hub-a',
      ...over,
    });

  /** A partner opted in, with a receiver registered as its webhook. */
  const subscribed = async (prefs: Record<string, unknown> = {}) => {
    const partner = await createPartner(t.dataSource);
    const as = t.as(await issueKey(t, 'PARTNER', partner));
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true, ...prefs } }));
    const receiver = await new WebhookReceiver().start();
    receiver.clock = () => nowMs;
    receivers.push(receiver);
    const res = await as(REGISTER, { url: receiver.url });
    expectNoErrors(res);
    receiver.secret = res.data.registerSyndicationWebhook.secret;
    const status = async () => {
      const r = await as(STATUS, { id: toGlobalId('Partner', partner.id) });
      expectNoErrors(r);
      return r.data.partner.syndication;
    };
    return { partner, as, receiver, status };
  };

  it('refuses a webhook before opt-in, and any URL but https (or loopback when allowed)', async () => {
    const partner = await createPartner(t.dataSource);
    const as = t.as(await issueKey(t, 'PARTNER', partner));
    expect((await as(REGISTER, { url: 'https://partner.example/hook' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoErrors(await as(PREFERENCES, { input: { enabled: true } }));
    expect((await as(REGISTER, { url: 'http://partner.example/hook' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await as(REGISTER, { url: 'https://user:pw@partner.example/hook' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await as(REGISTER, { url: 'https://partner.example/hook' });
    expectNoErrors(ok);
    expect(ok.data.registerSyndicationWebhook.secret).toMatch(/^whsec_[\w-]{43}$/);
    expect((await t.gql(REGISTER, { url: 'https://partner.example/hook' })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('delivers the feed in signed batches, each with its cursor, until the receiver holds exactly its set', async () => {
    const { receiver, status } = await subscribed({ departmentCodes: ['74'] });
    expect(await status()).toMatchObject({ status: 'DELIVERING', webhookUrl: receiver.url, lastDeliveredAt: null });
    const sent = await delivery({ batchSize: 2 }).runOnce();
    expect(sent).toBeGreaterThan(1); // the 3 offers in 74, in batches of 2
    expect(receiver.requests.every((r) => r.signatureOk)).toBe(true);
    const [first, second] = receiver.requests.map((r) => r.body);
    expect(second.after).toBe(first.cursor);
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));
    expect((await status()).lastDeliveredAt).not.toBeNull();

    // Later changes follow: an edit and a withdrawal.
    const [one, two] = [...receiver.held.keys()].map((id) => Number(Buffer.from(id, 'base64url').toString().split(':')[1]));
    const repo = t.dataSource.getRepository(OfferEntity);
    await repo.update({ id: one }, { title: 'Edited for the webhook' });
    await repo.update({ id: two }, { status: 'WITHDRAWN' });
    await delivery().runOnce();
    expect(receiver.held.get(toGlobalId('Offer', one))).toBe('Edited for the webhook');
    expect(receiver.held.has(toGlobalId('Offer', two))).toBe(false);
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, { departmentCodes: ['74'] })));
  });

  it('retries 500s with backoff, pauses after repeated failures with the reason, and resumes from its cursor', async () => {
    const { as, receiver, status } = await subscribed();
    receiver.mode = 'error500';
    const hub = delivery();
    expect(await hub.runOnce()).toBe(0);
    const retrying = await status();
    expect(retrying).toMatchObject({ status: 'RETRYING', lastError: 'HTTP 500 from the webhook' });
    // Backoff after the first failure: 1 s ceiling, half fixed and half random (random() = 0.5 here).
    expect(new Date(retrying.nextAttemptAt).getTime() - nowMs).toBe(750);
    const requests = receiver.requests.length;
    await hub.runOnce(); // not due yet: nothing sent
    expect(receiver.requests.length).toBe(requests);
    nowMs += 1_000;
    await hub.runOnce();
    expect(receiver.requests.length).toBe(requests + 1);
    nowMs += 10_000;
    await hub.runOnce(); // third failure in a row: paused
    const paused = await status();
    expect(paused).toMatchObject({ status: 'PAUSED', nextAttemptAt: null });
    expect(paused.lastError).toMatch(/^Paused after 3 failed deliveries in a row; last: HTTP 500/);
    nowMs += 3_600_000;
    await hub.runOnce();
    expect(receiver.requests.length).toBe(requests + 2);

    // The partner fixes its endpoint and resumes: everything arrives, from the first batch.
    receiver.mode = 'ok';
    expectNoErrors(await as(`mutation { resumeSyndicationWebhook { id } }`));
    expect(await hub.runOnce()).toBeGreaterThan(0);
    expect(await status()).toMatchObject({ status: 'DELIVERING', lastError: null });
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, {})));
  });

  it('treats a slow receiver as a failure and redelivers the same batch (at least once)', async () => {
    const { receiver, status } = await subscribed();
    receiver.mode = 'slow';
    receiver.slowMs = 1_500;
    const hub = delivery({ timeoutMs: 200 });
    await hub.runOnce();
    expect((await status()).lastError).toBe('No answer within 200 ms');
    receiver.mode = 'ok';
    nowMs += 5_000;
    await hub.runOnce();
    const afters = receiver.requests.map((r) => r.body.after);
    expect(afters[0]).toBe(afters[1]); // the same batch again
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, {})));
  });

  it('keeps trying a receiver that went away, and a rotated secret signs from the next delivery', async () => {
    const { as, receiver, status } = await subscribed();
    const port = receiver.port;
    await receiver.stop();
    await delivery().runOnce();
    expect((await status()).lastError).toMatch(/^Could not reach the webhook: ECONNREFUSED/);
    await receiver.start(port);
    const rotated = await as(`mutation { rotateSyndicationWebhookSecret { secret } }`);
    expectNoErrors(rotated);
    nowMs += 5_000;
    await delivery().runOnce(); // still verifying with the old secret: 401
    expect(receiver.requests.at(-1)!.signatureOk).toBe(false);
    receiver.secret = rotated.data.rotateSyndicationWebhookSecret.secret;
    nowMs += 5_000;
    await delivery().runOnce();
    expect(receiver.requests.at(-1)!.signatureOk).toBe(true);
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, {})));
  });

  it('survives a restart from the stored cursor, and one process at a time delivers a subscription (lease)', async () => {
    const { partner, receiver } = await subscribed();
    receiver.mode = 'slow';
    receiver.slowMs = 100;
    // Two hub processes at once: only the lease holder delivers; no batch is sent twice.
    await Promise.all([
      delivery({ owner: 'hub-a', maxBatchesPerRun: 1 }).runOnce(),
      delivery({ owner: 'hub-b', maxBatchesPerRun: 1 }).runOnce(),
    ]);
    expect(receiver.requests.length).toBe(1);
    // hub-c "crashes" while holding the lease (its row says so until the lease ends).
    await t.dataSource.query('UPDATE partner_syndication SET lease_owner = ?, lease_until = ? WHERE partner_id = ?', [
      'hub-c',
      new Date(nowMs + 60_000).toISOString().replace('T', ' ').replace('Z', ''),
      partner.id,
    ]);
    const restarted = delivery({ owner: 'hub-d' });
    expect(await restarted.runOnce()).toBe(0);
    expect(receiver.requests.length).toBe(1);
    nowMs += 61_000;
    receiver.mode = 'ok';
    expect(await restarted.runOnce()).toBeGreaterThan(0);
    const afters = receiver.requests.map((r) => r.body.after);
    expect(new Set(afters).size).toBe(afters.length); // nothing sent twice
    expect(receiver.requests[1].body.after).toBe(receiver.requests[0].body.cursor); // nothing skipped
    expect(sorted(receiver.held)).toEqual(sorted(await expectedSet(t.dataSource, {})));
  });
});
