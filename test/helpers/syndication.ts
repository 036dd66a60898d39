import type { DataSource } from 'typeorm';
import { expectNoErrors, type TestHub } from './test-hub';

export const FEED = `query($after: String, $first: Int) {
  syndicationFeed(after: $after, first: $first) { endCursor hasMore reset changes { cursor kind offerId occurredAt offer { id title } } } }`;

export const PREFERENCES = `mutation($input: SyndicationPreferencesInput!) {
  updateSyndicationPreferences(input: $input) { id syndication { enabled status preferences { romeCodes romeDomainCodes regionCodes departmentCodes contractTypes } } } }`;

/** What a partner holds from the feed: offer global id -> title. */
export type HeldSet = Map<string, string>;

/** Reads the feed from `after` until hasMore is false, applying each change to `held` (a reset page clears it). */
export async function readFeed(
  as: ReturnType<TestHub['as']>,
  held: HeldSet,
  after: string | null,
  first = 200,
): Promise<{ cursor: string | null; changes: number; pages: number }> {
  let cursor = after;
  let changes = 0;
  let pages = 0;
  for (;;) {
    const res = await as(FEED, { after: cursor, first });
    expectNoErrors(res);
    const page = res.data.syndicationFeed;
    pages++;
    if (page.reset) held.clear();
    for (const change of page.changes) {
      changes++;
      if (change.kind === 'UPSERT') held.set(change.offerId, change.offer.title);
      else held.delete(change.offerId);
    }
    cursor = page.endCursor;
    if (!page.hasMore) return { cursor, changes, pages };
  }
}

/** What the database says a partner with these preferences should hold (offer global id -> title). */
export async function expectedSet(
  ds: DataSource,
  prefs: {
    romeCodes?: string[];
    departmentCodes?: string[];
    regionCodes?: string[];
    contractTypes?: string[];
    romeDomainCodes?: string[];
  } | null,
): Promise<HeldSet> {
  if (!prefs) return new Map();
  const rows: Array<{
    id: number;
    title: string;
    rome_code: string | null;
    department_code: string | null;
    region_code: string | null;
    contract_type: string;
  }> = await ds.query(
    "SELECT id, title, rome_code, department_code, region_code, contract_type FROM offer WHERE partner_id IS NULL AND status = 'ACTIVE' AND reserved_for_jobseekers = 0",
  );
  const ok = (list: string[] | undefined, v: string | null) => !list || list.length === 0 || (v !== null && list.includes(v));
  return new Map(
    rows
      .filter(
        (r) =>
          ok(prefs.romeCodes, r.rome_code) &&
          ok(prefs.departmentCodes, r.department_code) &&
          ok(prefs.regionCodes, r.region_code) &&
          ok(prefs.contractTypes, r.contract_type) &&
          ok(prefs.romeDomainCodes, r.rome_code?.slice(0, 1) ?? null),
      )
      .map((r) => [Buffer.from(`Offer:${r.id}`).toString('base64url'), r.title]),
  );
}

/** Sorted entries, for a readable diff when sets differ. */
export function sorted(set: HeldSet): Array<[string, string]> {
  return [...set.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
