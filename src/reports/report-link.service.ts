import { DEFAULT_SERVICE_SETTINGS } from '../config';
import crypto from 'node:crypto';
import type { RequestScope } from '../auth/request-scope';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../../entities';
import type { Viewer } from '../auth/viewer';
import { BadUserInputError, UnauthenticatedError } from '../errors';
import type { AudienceService } from '../audience/audience.service';
import type { Granularity } from '../audience/audience.types';
import type { HubStatsService } from './hub-stats.service';

export type ReportKind = 'AUDIENCE' | 'HUB';

/** What a report link is issued for: the page and its parameters, checked like the GraphQL query. */
export interface ReportLinkRequest {
  kind: ReportKind;
  partnerId: number | null;
  from: string | null;
  to: string | null;
  granularity: Granularity;
  date: string | null;
}

export interface ReportLinkModel {
  /** Path and query, relative to the hub's origin: `/reports/audience?...&sig=...`. */
  path: string;
  expiresAt: Date;
}

export const REPORT_PATHS: Record<ReportKind, string> = { AUDIENCE: '/reports/audience', HUB: '/reports/hub' };
/** `by` of links issued with the bootstrap PASSERELLE_ADMIN_KEY (it has no key id). */
const ADMIN = 'admin';

/**
 * Short-lived signed links to the HTML report pages, for browsers that cannot send an
 * Authorization header. A link is issued through GraphQL (Query.reportLink) to an authenticated
 * caller, only for a report that caller may see; it carries the page's exact parameters, the
 * issuing key's id (`by`) and an expiry, signed with HMAC-SHA-256. When the page is opened the
 * signature and expiry are checked and the viewer is rebuilt from the key as it is NOW: a revoked
 * key's links stop working, and the page applies the same authorization as the GraphQL query.
 * The signing key is REPORT_LINK_SECRET (set it when several hub processes serve the same site),
 * else random per process (links then die with the process, at most TTL later anyway).
 */
export class ReportLinkService {
  private readonly key: Buffer;
  readonly ttlSeconds: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deps: { audience: AudienceService; hubStats: HubStatsService },
    opts: { secret?: string | null; ttlSeconds?: number } = {},
  ) {
    const secret = opts.secret ?? DEFAULT_SERVICE_SETTINGS.reportLinkSecret;
    this.key = secret ? crypto.createHash('sha256').update(`passerelle report links\u0000${secret}`).digest() : crypto.randomBytes(32);
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_SERVICE_SETTINGS.reportLinkTtlSeconds;
  }

  /** A signed link to a report the viewer may see (same checks as the `audience` and `hubStats` queries). */
  async issue(scope: RequestScope, request: ReportLinkRequest): Promise<ReportLinkModel> {
    const { viewer, now } = scope;
    if (viewer.role === 'PUBLIC')
      throw new UnauthenticatedError('A report link needs a PARTNER or AGENCY API key (Authorization: Bearer <key>)');
    const params = new URLSearchParams();
    if (request.kind === 'AUDIENCE') {
      if (!request.from) throw new BadUserInputError('from: required for an AUDIENCE report', 'from');
      if (!request.to) throw new BadUserInputError('to: required for an AUDIENCE report', 'to');
      const { partner } = await this.deps.audience.resolveScope(viewer, request.partnerId);
      this.deps.audience.validateRange(request.from, request.to);
      if (partner) params.set('partner', partner.code);
      params.set('from', request.from);
      params.set('to', request.to);
      params.set('granularity', request.granularity);
    } else {
      const stats = this.deps.hubStats.forDay(scope, request.date);
      params.set('date', stats.date);
    }
    const expires = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    params.set('by', viewer.apiKeyId === null ? ADMIN : String(viewer.apiKeyId));
    params.set('expires', String(expires));
    params.set('sig', this.signature(REPORT_PATHS[request.kind], params));
    return { path: `${REPORT_PATHS[request.kind]}?${params}`, expiresAt: new Date(expires * 1000) };
  }

  /**
   * The viewer behind a signed page URL: UNAUTHENTICATED when the signature does not match the
   * path and every parameter, when it expired, or when the issuing key is gone or revoked.
   */
  async viewerOf(url: URL, now: Date = new Date()): Promise<Viewer> {
    const given = url.searchParams.get('sig') ?? '';
    const expected = this.signature(url.pathname, url.searchParams);
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b))
      throw new UnauthenticatedError('This report link is not valid (altered or not ours): ask for a new one with Query.reportLink');
    const expires = Number(url.searchParams.get('expires'));
    if (!(expires * 1000 > now.getTime()))
      throw new UnauthenticatedError('This report link has expired: ask for a new one with Query.reportLink');
    const by = url.searchParams.get('by');
    if (by === ADMIN) return { role: 'AGENCY', apiKeyId: null };
    const key = Number.isSafeInteger(Number(by)) ? await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id: Number(by) }) : null;
    if (!key || key.revokedAt) throw new UnauthenticatedError('The API key this report link was issued to was revoked');
    return key.role === 'AGENCY' ? { role: 'AGENCY', apiKeyId: key.id } : { role: 'PARTNER', partnerId: key.partnerId!, apiKeyId: key.id };
  }

  /** HMAC over the path and every parameter but `sig`, in a canonical (sorted) order. */
  private signature(pathname: string, params: URLSearchParams): string {
    const canonical = new URLSearchParams([...params].filter(([name]) => name !== 'sig'));
    canonical.sort();
    return crypto.createHmac('sha256', this.key).update(`${pathname}?${canonical}`).digest('base64url');
  }
}
