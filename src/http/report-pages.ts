import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Viewer } from '../auth/viewer';
import {
  BadUserInputError,
  ErrorCode,
  httpStatusFor,
  NotFoundError,
  PasserelleError,
  SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
  UnauthenticatedError,
} from '../errors';
import { PROJECT_ROOT } from '../lib/paths';
import type { Services } from '../services';
import type { Granularity } from '../audience/audience.types';
import { addDays, parisDay } from '../lib/paris-day';
import { renderAudiencePage } from '../reports/audience-page';
import { escapeHtml, page } from '../reports/html';
import { renderHubPage } from '../reports/hub-page';
import { requestScope } from '../auth/request-scope';

/**
 * Static files of the pages. Chart.js is served from node_modules (its UMD build): no CDN, so the
 * pages work offline and the Content-Security-Policy can allow our own origin only.
 */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'chart.umd.min.js': {
    file: () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'audience-report.js': {
    file: () => path.join(PROJECT_ROOT, 'src', 'reports', 'assets', 'audience-report.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'hub-report.js': {
    file: () => path.join(PROJECT_ROOT, 'src', 'reports', 'assets', 'hub-report.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'report.css': { file: () => path.join(PROJECT_ROOT, 'src', 'reports', 'assets', 'report.css'), type: 'text/css; charset=utf-8' },
};
const assetCache = new Map<string, Buffer>();

/** Scripts and styles from our origin only; the data travels inside the page as inert JSON. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  // The signed link is a credential for its lifetime: keep it out of caches and Referer headers.
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const GRANULARITIES: readonly Granularity[] = ['DAY', 'WEEK', 'MONTH'];

function send(res: http.ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': String(Buffer.byteLength(html)), ...extra });
  res.end(html);
}

function serveAsset(res: http.ServerResponse, name: string): void {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return send(res, 404, page({ title: 'Introuvable', body: '<p>No such asset.</p>' }));
  let body = assetCache.get(name);
  if (!body) {
    body = fs.readFileSync(asset.file());
    assetCache.set(name, body);
  }
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': String(body.length),
    'cache-control': 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** The caller: a signed link (`sig`, from Query.reportLink) or, for scripts, an Authorization header. */
async function viewerOf(req: http.IncomingMessage, url: URL, services: Services, now: Date): Promise<Viewer> {
  if (url.searchParams.has('sig')) return services.reportLinks.viewerOf(url, now);
  if (req.headers.authorization) return services.auth.authenticate(req.headers.authorization);
  throw new UnauthenticatedError('This page needs a signed link (GraphQL Query.reportLink) or an Authorization: Bearer <API key> header');
}

function param(url: URL, name: string): string | null {
  const value = url.searchParams.get(name);
  return value === null || value === '' ? null : value;
}

async function audiencePage(viewer: Viewer, url: URL, services: Services, now: Date): Promise<string> {
  const code = param(url, 'partner');
  let partnerId: number | null = null;
  if (code !== null) {
    const partner = await services.audience.partnerByCode(code);
    if (!partner) throw new NotFoundError(`No partner with code "${code}"`);
    partnerId = partner.id;
  }
  const to = param(url, 'to') ?? parisDay(now);
  const from = param(url, 'from') ?? addDays(to, -29);
  const granularity = (param(url, 'granularity') ?? 'DAY').toUpperCase() as Granularity;
  if (!GRANULARITIES.includes(granularity)) throw new BadUserInputError('granularity: DAY, WEEK or MONTH', 'granularity');
  const report = await services.audience.report(requestScope(viewer, now), { partnerId, from, to, granularity });
  return renderAudiencePage(report);
}

async function hubPage(viewer: Viewer, url: URL, services: Services, now: Date): Promise<string> {
  const stats = services.hubStats.forDay(requestScope(viewer, now), param(url, 'date'));
  const hub = services.hubStats;
  const [activeOffers, newOffers, activeOffersBySource, topPartners, activeOffersByRegion, activeOffersByRomeDomain] = await Promise.all([
    hub.activeOffers(stats),
    hub.newOffers(stats),
    hub.bySource(stats),
    hub.topPartners(stats),
    hub.byRegion(stats),
    hub.byRomeDomain(stats),
  ]);
  return renderHubPage({
    date: stats.date,
    activeOffers,
    newOffers,
    activeOffersBySource,
    topPartners,
    activeOffersByRegion,
    activeOffersByRomeDomain,
  });
}

/**
 * GET /reports/audience?partner=<code>&from=&to=[&granularity=] and GET /reports/hub[?date=]:
 * HTML pages computed by the same service calls, with the same authorization, as the GraphQL
 * `audience` and `hubStats` queries; /reports/assets/* serves their scripts and stylesheet.
 */
export async function handleReportRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  services: Services,
  now: Date = new Date(),
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, page({ title: 'Méthode non permise', body: '<p>GET only.</p>' }), { allow: 'GET, HEAD' });
  const route = url.pathname;
  if (route.startsWith('/reports/assets/')) return serveAsset(res, route.slice('/reports/assets/'.length));
  try {
    if (route === '/reports/audience')
      return send(res, 200, await audiencePage(await viewerOf(req, url, services, now), url, services, now));
    if (route === '/reports/hub') return send(res, 200, await hubPage(await viewerOf(req, url, services, now), url, services, now));
    return send(res, 404, page({ title: 'Introuvable', body: '<p>The reports are /reports/audience and /reports/hub.</p>' }));
  } catch (err) {
    if (!(err instanceof PasserelleError) || err.code === ErrorCode.INTERNAL_SERVER_ERROR) throw err;
    const status = httpStatusFor(err.code);
    const headers: Record<string, string> =
      status === 401
        ? { 'www-authenticate': 'Bearer' }
        : status === 503
          ? { 'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS) }
          : {};
    return send(
      res,
      status,
      page({ title: 'Rapport indisponible', body: `<p class="error" data-code="${escapeHtml(err.code)}">${escapeHtml(err.message)}</p>` }),
      headers,
    );
  }
}
