import { DateTimeResolver } from 'graphql-scalars';
import { createLoaders } from '../../src/loaders';
import { PUBLIC_VIEWER } from '../../src/auth/viewer';
import { CvAccessRecorder } from '../../src/candidates/cv-access-recorder';
import type { Services } from '../../src/services';
import type { OfferConnectionModel, OfferModel } from '../../src/offers/offer-search.types';
import { cursorOf } from '../../src/offers/offer-search.service';
import { OfferConnection } from '../../resolvers/offers/OfferConnection';
import { scalars } from '../../resolvers/scalars';

/** Issue 18: what an anonymous page no longer pays for, and the bytes it must still produce. */
describe('read path: loaders and cursors built only when used, dates serialised once', () => {
  it('builds a loader the first time it is read, once per request', () => {
    const built: string[] = [];
    const counting = new Proxy({} as Services, {
      get: (_target, name) => {
        built.push(String(name));
        return {};
      },
    });
    const loaders = createLoaders(counting, new Date(), { viewer: PUBLIC_VIEWER, cvAccess: new CvAccessRecorder() });
    // (Before issue 18 every loader was built here, reading the services they use.)
    expect(built).toEqual([]);
    expect(loaders.offerAudienceByOfferId).toBe(loaders.offerAudienceByOfferId);
    expect(built).toEqual(['audience']);
    const partnerById = loaders.partnerById;
    expect(loaders.partnerById).toBe(partnerById);
    const other = createLoaders(counting, new Date(), { viewer: PUBLIC_VIEWER, cvAccess: new CvAccessRecorder() });
    expect(other.partnerById).not.toBe(partnerById);
    // The candidate loaders come as a group, built once.
    expect(loaders.consentById).toBe(loaders.consentById);
    expect(loaders.candidateById).toBeDefined();
  });

  const offer = (id: number, publishedAt: string) => ({ id, publishedAt: new Date(publishedAt) }) as OfferModel;
  const conn: OfferConnectionModel = {
    query: { filter: {}, sort: 'PUBLISHED_DESC', first: 2, after: null, partnerId: null },
    rows: [offer(7, '2026-01-02T03:04:05.678Z'), offer(5, '2026-01-01T00:00:00.000Z')],
    hasNextPage: true,
  };
  const call = (field: 'edges' | 'pageInfo', parent = conn) =>
    (OfferConnection[field] as (parent: OfferConnectionModel, args: object, ctx: never, info: never) => unknown)(
      parent,
      {},
      undefined as never,
      undefined as never,
    );

  it('encodes the same cursors as before, when read', () => {
    const edges = call('edges') as Array<{ cursor: string; node: OfferModel }>;
    expect(edges.map((e) => [e.cursor, e.node.id])).toEqual(conn.rows.map((r) => [cursorOf(conn.query, r), r.id]));
    const pageInfo = call('pageInfo') as Record<string, unknown>;
    expect({
      ...pageInfo,
      ...Object.fromEntries(['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'].map((k) => [k, pageInfo[k]])),
    }).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: cursorOf(conn.query, conn.rows[0]),
      endCursor: cursorOf(conn.query, conn.rows[1]),
    });
    const empty = call('pageInfo', { ...conn, rows: [], hasNextPage: false }) as Record<string, unknown>;
    expect([empty.startCursor, empty.endCursor, empty.hasNextPage]).toEqual([null, null, false]);
  });

  it('serialises DateTime to the bytes graphql-scalars and JSON.stringify gave', () => {
    const inputs: unknown[] = [
      new Date('2026-01-02T03:04:05.678Z'),
      new Date(0),
      '2026-01-02T03:04:05Z',
      '2026-01-02T05:04:05.1+02:00',
      1767323045678,
    ];
    for (const value of inputs) {
      expect(JSON.stringify({ v: scalars.DateTime.serialize(value) })).toBe(JSON.stringify({ v: DateTimeResolver.serialize(value) }));
      expect(typeof scalars.DateTime.serialize(value)).toBe('string');
    }
    for (const bad of [new Date(NaN), 'yesterday', {}]) {
      expect(() => scalars.DateTime.serialize(bad)).toThrow(
        (() => {
          try {
            DateTimeResolver.serialize(bad);
          } catch (err) {
            return (err as Error).message;
          }
          return 'no error';
        })(),
      );
    }
  });
});
