import { graphqlClient, type GraphQLClient } from './hub';

/**
 * A partner pushing offers while a scenario reads: `upsertOffers` of the same `size` offers once a
 * second, each push changing their titles (every push writes: UPDATED), spread over the benchmark's
 * departments and contract types so they fall in the filters being read. The offers are withdrawn
 * when the pusher stops: the public stock stays the seeded one (the table keeps `size` rows more).
 */
export interface PushStats {
  pushes: number;
  offersPerPush: number;
  /** Offers each push reported CREATED or UPDATED (in all). */
  written: number;
  meanMs: number;
  maxMs: number;
  /** Pushes that failed (HTTP or GraphQL errors); the first one's message. */
  failures: number;
  firstFailure: string | null;
}

export interface Pusher {
  /** Resolves once `count` pushes have ended (succeeded or failed). */
  pushed(count: number): Promise<void>;
  stop(): Promise<PushStats>;
}

const PARTNER_CODE = 'bench-pusher';
const UPSERT = 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated rejected results { errors { message } } } }';

/** The pushing partner's key: the partner is created on the first run and reused after. */
async function partnerKey({ gql }: GraphQLClient, adminKey: string): Promise<string> {
  const { partners } = await gql(adminKey, '{ partners { id code } }');
  let id: string | undefined = partners.find((p: { code: string }) => p.code === PARTNER_CODE)?.id;
  if (!id)
    id = (await gql(adminKey, `mutation { createPartner(input: { code: "${PARTNER_CODE}", name: "Bench pusher" }) { id } }`)).createPartner
      .id;
  const issued = await gql(adminKey, 'mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "bench pusher") { key } }', {
    p: id,
  });
  return issued.issueApiKey.key;
}

/**
 * Starts pushing at once, then every second (a push slower than a second is followed by the next
 * at once). `postalCodes` and `contractTypes` are cycled through for the offers' locations.
 */
export async function startPusher(opts: {
  url: string;
  adminKey: string;
  size: number;
  postalCodes: string[];
  contractTypes: string[];
}): Promise<Pusher> {
  const { size, postalCodes, contractTypes } = opts;
  const client = graphqlClient(opts.url);
  const key = await partnerKey(client, opts.adminKey);
  const stats: PushStats = { pushes: 0, offersPerPush: size, written: 0, meanMs: 0, maxMs: 0, failures: 0, firstFailure: null };
  let totalMs = 0;
  let stopping = false;
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const offers = (round: number) =>
    Array.from({ length: size }, (_, i) => ({
      externalId: `push-${i}`,
      title: `Technicien de maintenance (mise à jour ${round})`,
      description: `Maintenance préventive et corrective des équipements de production. Version ${round}.`,
      location: { postalCode: postalCodes[i % postalCodes.length] },
      contractType: contractTypes[Math.floor(i / postalCodes.length) % contractTypes.length],
    }));
  const loop = (async () => {
    for (let round = 1; !stopping; round++) {
      const started = Date.now();
      try {
        const { upsertOffers } = await client.gql(key, UPSERT, { o: offers(round) });
        if (upsertOffers.rejected)
          throw new Error(`rejected: ${upsertOffers.results.find((r: any) => r.errors.length)?.errors[0].message}`);
        stats.written += upsertOffers.created + upsertOffers.updated;
      } catch (err) {
        stats.failures++;
        stats.firstFailure ??= err instanceof Error ? err.message : String(err);
      }
      const ms = Date.now() - started;
      stats.pushes++;
      for (const waiter of waiters.filter((w) => stats.pushes >= w.count)) waiter.resolve();
      waiters = waiters.filter((w) => stats.pushes < w.count);
      totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
      if (!stopping && ms < 1000) await new Promise((r) => setTimeout(r, 1000 - ms));
    }
  })();
  return {
    pushed(count) {
      return stats.pushes >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async stop() {
      stopping = true;
      await loop;
      const ids = Array.from({ length: size }, (_, i) => `push-${i}`);
      await client.gql(key, 'mutation($ids: [String!]!) { withdrawOffers(externalIds: $ids) { withdrawn } }', { ids });
      stats.meanMs = stats.pushes ? Math.round(totalMs / stats.pushes) : 0;
      return stats;
    },
  };
}
