import { backoffMs, signPayload } from '../../src/syndication/syndication-delivery';
import { offerMatches, normalizePreferences, NO_PREFERENCES } from '../../src/syndication/syndication-preferences';
import { decodeFeedCursor, encodeFeedCursor } from '../../src/syndication/syndication.service';
import { WebhookReceiver } from '../helpers/webhook-receiver';

describe('syndication feed cursors', () => {
  it('round-trip, start from the beginning when absent, and reject anything else as BAD_USER_INPUT', () => {
    expect(decodeFeedCursor(encodeFeedCursor({ kind: 'tail', seq: 123456789012 }))).toEqual({ kind: 'tail', seq: 123456789012 });
    expect(decodeFeedCursor(encodeFeedCursor({ kind: 'snapshot', head: 42, afterOfferId: 7 }))).toEqual({
      kind: 'snapshot',
      head: 42,
      afterOfferId: 7,
    });
    expect(decodeFeedCursor(null)).toEqual({ kind: 'start' });
    expect(decodeFeedCursor(encodeFeedCursor({ kind: 'start' }))).toEqual({ kind: 'start' });
    for (const bad of ['', 'x', Buffer.from('t:-1').toString('base64url'), Buffer.from('t:01').toString('base64url'), 'a'.repeat(200)]) {
      expect(() => decodeFeedCursor(bad)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    }
  });
});

describe('syndication preferences', () => {
  const offer = {
    partnerId: null,
    status: 'ACTIVE',
    reservedForJobseekers: false,
    romeCode: 'M1805',
    regionCode: '84',
    departmentCode: '74',
    contractType: 'PERMANENT',
  };
  it('take every ACTIVE agency offer when empty, never a reserved, inactive or partner offer', () => {
    expect(offerMatches(NO_PREFERENCES, offer)).toBe(true);
    expect(offerMatches(NO_PREFERENCES, { ...offer, reservedForJobseekers: true })).toBe(false);
    expect(offerMatches(NO_PREFERENCES, { ...offer, status: 'EXPIRED' })).toBe(false);
    expect(offerMatches(NO_PREFERENCES, { ...offer, partnerId: 3 })).toBe(false);
  });
  it('match any value within a list and every list given', () => {
    const prefs = normalizePreferences({ romeDomainCodes: ['m', 'G'], departmentCodes: ['74', '2a'] });
    expect(prefs).toEqual({
      romeCodes: [],
      romeDomainCodes: ['G', 'M'],
      regionCodes: [],
      departmentCodes: ['2A', '74'],
      contractTypes: [],
    });
    expect(offerMatches(prefs, offer)).toBe(true);
    expect(offerMatches(prefs, { ...offer, departmentCode: '69' })).toBe(false);
    expect(offerMatches(prefs, { ...offer, romeCode: null })).toBe(false);
    expect(() => normalizePreferences({ regionCodes: ['8'] })).toThrow(/input.regionCodes/);
  });
});

describe('webhook signatures and backoff', () => {
  it('sign what the documented verification accepts, and nothing altered', () => {
    const body = '{"cursor":"dDox","changes":[]}';
    const header = signPayload('whsec_test', 1_770_000_000, body);
    expect(header).toMatch(/^t=1770000000,v1=[0-9a-f]{64}$/);
    expect(WebhookReceiver.verify('whsec_test', header, body, 300, 1_770_000_100)).toBe(true);
    expect(WebhookReceiver.verify('whsec_test', header, body.replace('[]', '[1]'), 300, 1_770_000_100)).toBe(false);
    expect(WebhookReceiver.verify('whsec_other', header, body, 300, 1_770_000_100)).toBe(false);
    expect(WebhookReceiver.verify('whsec_test', header, body, 300, 1_770_000_400)).toBe(false); // replayed too late
  });
  it('back off exponentially with jitter, up to the ceiling', () => {
    const opts = (r: number) => ({ baseBackoffMs: 1_000, maxBackoffMs: 60_000, random: () => r });
    expect([1, 2, 3, 4].map((n) => backoffMs(n, opts(0)))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, opts(0.999999)))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(30, opts(0))).toBe(30_000);
  });
});
