import type { OfferEntity, PartnerEntity } from '../../entities';
import { toGlobalId } from '../../src/lib/ids';
import { AudienceService } from '../../src/audience/audience.service';
import type { AudienceEventInputModel } from '../../src/audience/audience.types';
import { createOffer, createPartner } from '../factories';
import { engines, startTestHub, type TestHub } from '../helpers/test-hub';
import { requestScope } from '../../src/auth/request-scope';

const AGENCY = { role: 'AGENCY' as const, apiKeyId: null };
const DISTINCT_VISITORS = 100_000;
const DAYS = ['2025-06-04', '2025-06-05', '2025-06-06', '2025-06-07', '2025-06-08', '2025-06-09', '2025-06-10'];
/** 22:00 UTC on 10 June is midnight in Paris: every day above is within the 7-day window. */
const NOW = new Date('2025-06-10T21:00:00Z');
const TYPES = ['IMPRESSION', 'VIEW', 'APPLY_CLICK'] as const;
/** The recording service folds a (scope, day)'s deltas after this many (the ~20 batches fold twice). */
const FOLD_AFTER = 8;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * The unique-visitor promise at scale, checked against exact counts: 100,000 distinct visitors over
 * a week of June 2025, each seen on one to three days, on two partners' offers and the agency's.
 * Run at the service level (the HTTP path is covered by audience.int.spec.ts) to stay fast.
 */
describe.each(engines())('unique visitors at 100,000 distinct on %s', (engine) => {
  let t: TestHub;
  const partners: PartnerEntity[] = [];
  const events: Array<AudienceEventInputModel & { day: string; scope: number | null }> = [];

  beforeAll(async () => {
    t = await startTestHub(engine, 'audience-accuracy');
    partners.push(await createPartner(t.dataSource), await createPartner(t.dataSource));
    const offers: OfferEntity[] = [];
    for (let i = 0; i < 12; i++) offers.push(await createOffer(t.dataSource, { partner: i < 8 ? partners[i % 2] : null }));
    const recorder = new AudienceService(t.dataSource, { foldAfterDeltas: FOLD_AFTER });
    const next = random(2025);
    for (let v = 0; v < DISTINCT_VISITORS; v++) {
      const visits = 1 + Math.floor(next() * 3);
      for (let k = 0; k < visits; k++) {
        const day = DAYS[Math.floor(next() * DAYS.length)];
        const offer = offers[Math.floor(next() * offers.length)];
        // Noon in Paris (10:00 UTC in June), give or take 8 hours: always on `day`.
        const occurredAt = new Date(Date.parse(`${day}T10:00:00Z`) + Math.floor((next() - 0.5) * 16 * 3_600_000));
        events.push({
          offerId: toGlobalId('Offer', offer.id),
          type: TYPES[Math.floor(next() * 3)],
          visitorId: `v-${v.toString(36)}`,
          occurredAt,
          day,
          scope: offer.partnerId,
        });
      }
    }
    for (let i = 0; i < events.length; i += 10_000) {
      const batch = events
        .slice(i, i + 10_000)
        .map(({ offerId, type, visitorId, occurredAt }) => ({ offerId, type, visitorId, occurredAt }));
      const result = await recorder.recordEvents(requestScope(AGENCY, NOW), batch);
      expect(result).toEqual({ accepted: batch.length, rejected: 0, errors: [] });
    }
  });
  afterAll(() => t?.close());

  const exactUniques = (keep: (e: (typeof events)[number]) => boolean) => new Set(events.filter(keep).map((e) => e.visitorId)).size;
  const within2Percent = (estimate: number, exact: number) => ({ estimate, exact, ok: Math.abs(estimate - exact) <= exact * 0.02 });

  it('is within 2 % of the exact count for the month, every week and every day, counters exact', async () => {
    for (const granularity of ['MONTH', 'WEEK', 'DAY'] as const) {
      const report = await t.hub.services.audience.report(requestScope(AGENCY), {
        partnerId: null,
        from: DAYS[0],
        to: DAYS[DAYS.length - 1],
        granularity,
      });
      for (const point of report.series) {
        const inPeriod = (e: (typeof events)[number]) => e.day >= point.periodStart && e.day <= point.periodEnd;
        const check = within2Percent(point.uniqueVisitors, exactUniques(inPeriod));
        expect({ granularity, period: point.periodStart, ...check }).toEqual({
          granularity,
          period: point.periodStart,
          ...check,
          ok: true,
        });
        const typed = (type: string) => events.filter((e) => inPeriod(e) && e.type === type).length;
        expect([point.impressions, point.views, point.applyClicks]).toEqual([typed('IMPRESSION'), typed('VIEW'), typed('APPLY_CLICK')]);
      }
      expect(within2Percent(report.totals.uniqueVisitors, DISTINCT_VISITORS)).toMatchObject({ ok: true });
    }
  });

  it('gives the same figures once every batch delta is folded into the day sketches', async () => {
    const report = () =>
      t.hub.services.audience.report(requestScope(AGENCY), {
        partnerId: null,
        from: DAYS[0],
        to: DAYS[DAYS.length - 1],
        granularity: 'DAY',
      });
    const deltas = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM audience_sketch_delta'))[0].n);
    // 3 scopes x 7 days, each under two keys (June's and July's: 1 July is within 30 days of each
    // day): 42 sketches got a delta from each of the ~20 batches; each was folded every FOLD_AFTER.
    expect(await deltas()).toBeLessThan(42 * FOLD_AFTER);
    expect(await deltas()).toBeGreaterThan(0);
    const before = await report();
    await t.hub.services.audience.foldSketchDeltas();
    expect(await deltas()).toBe(0);
    expect(await report()).toEqual(before);
  });

  it('is within 2 % for each partner, and a partner sees only its own visitors', async () => {
    for (const partner of partners) {
      const viewer = { role: 'PARTNER' as const, partnerId: partner.id, apiKeyId: 1 };
      const report = await t.hub.services.audience.report(requestScope(viewer), {
        partnerId: null,
        from: DAYS[0],
        to: DAYS[DAYS.length - 1],
        granularity: 'MONTH',
      });
      const exact = exactUniques((e) => e.scope === partner.id);
      expect(exact).toBeLessThan(DISTINCT_VISITORS * 0.6);
      expect(within2Percent(report.totals.uniqueVisitors, exact)).toMatchObject({ ok: true });
      expect(report.totals.views).toBe(events.filter((e) => e.scope === partner.id && e.type === 'VIEW').length);
    }
  });
});
