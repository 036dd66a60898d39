import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError } from 'graphql';
import type { DataSource } from 'typeorm';
import { TokenBucketLimiter } from './auth/rate-limiter';
import type { Viewer } from './auth/viewer';
import { DEFAULT_LIMITS, type HttpLimits } from './config';
import { buildContext, type GraphQLContext } from './context';
import { sqlCounter } from './db/data-source';
import { ErrorCode, httpStatusFor, PasserelleError } from './errors';
import { cvAccessLogPlugin } from './graphql/cv-access-log.plugin';
import { jitGateway } from './graphql/jit-executor';
import { parseJsonBody } from './json-body';
import { handleReportRequest } from './reports/report-pages';
import { buildSchema } from './schema';
import { createServices, type Services } from './services';
import type { WebhookUrlPolicy } from './services/syndication.service';

const OUR_CODES = new Set<string>(Object.values(ErrorCode));
/** Codes graphql-js / Apollo produce for malformed requests, passed through as they are. */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);
/** Validation messages that are really about a bad argument value: reported as BAD_USER_INPUT. */
const BAD_VALUE_MESSAGE = /does not exist in "[^"]+" enum|Expected value of type|cannot represent|Expected type|is not a valid|got invalid value/;

/**
 * Keeps client-fixable errors as they are and turns anything unexpected into a bare
 * INTERNAL_SERVER_ERROR: no stack, no SQL. The detail goes to the log.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  if (code === 'GRAPHQL_VALIDATION_FAILED' && BAD_VALUE_MESSAGE.test(formatted.message)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if ((OUR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) || REQUEST_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  console.error('[error]', formatted.path?.join('.') ?? '', original instanceof Error ? (original.stack ?? original.message) : original);
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

export interface RunningHub {
  url: string;
  port: number;
  services: Services;
  close(): Promise<void>;
}

export interface HubOptions {
  port: number;
  host?: string;
  /** graphql-jit (default) or graphql-js's own executor. */
  executor?: 'jit' | 'graphql-js';
  limits?: Partial<HttpLimits>;
  /** Accepted as an AGENCY key (PASSERELLE_ADMIN_KEY). */
  adminKey?: string;
  /** Which webhook URLs partners may register (default: SYNDICATION_WEBHOOK_ALLOW_LOOPBACK). */
  webhookUrlPolicy?: WebhookUrlPolicy;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, code: ErrorCode | 'BAD_REQUEST', message: string, status: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra } }] }, headers);
}

/**
 * Starts the hub's HTTP server on an open data source: GraphQL at /graphql (POST, and GET for
 * queries), /health, and /metrics (SQL statement counter, Prometheus text format). Before GraphQL
 * runs, each request is authenticated (a bad key is a 401, never a silent PUBLIC), rate-limited
 * per key or client address, and its body bounded by role.
 */
export async function startHub(dataSource: DataSource, opts: HubOptions): Promise<RunningHub> {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const services = createServices(dataSource, { adminKey: opts.adminKey, webhookUrlPolicy: opts.webhookUrlPolicy });
  const schema = buildSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    ...((opts.executor ?? 'jit') === 'jit' ? { gateway: jitGateway(schema) } : { schema }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown (HTTP server, then Apollo, then the database); Apollo's own signal
    // handlers raced it and left the process hanging on SIGTERM in production.
    stopOnTerminationSignals: false,
    // The cache-control plugin wraps every resolver; we set no cache hints, so it is pure cost.
    // cvAccessLogPlugin: CV reads logged before the response leaves, and `Cache-Control: no-store`.
    plugins: [ApolloServerPluginCacheControlDisabled(), cvAccessLogPlugin()],
    // Compact JSON: Apollo's default pretty-prints every response (JSON.stringify(value, null, 2)),
    // 7 % of the hub's CPU under the page benchmark and a third more bytes to send.
    stringifyResult: (value) => JSON.stringify(value),
  });
  await apollo.start();
  const publicLimiter = new TokenBucketLimiter(limits.publicPerSecond, limits.publicBurst);
  const keyLimiter = new TokenBucketLimiter(limits.keyPerSecond, limits.keyBurst);

  const clientAddress = (req: http.IncomingMessage): string => {
    const forwarded = req.headers['x-forwarded-for'];
    if (limits.trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
    return req.socket.remoteAddress ?? 'unknown';
  };

  const handleGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    let viewer: Viewer;
    try {
      viewer = await services.auth.authenticate(req.headers.authorization);
    } catch (err) {
      if (err instanceof PasserelleError) return sendError(res, err.code, err.message, httpStatusFor(err.code), {}, { 'www-authenticate': 'Bearer' });
      throw err;
    }
    const decision = viewer.role === 'PUBLIC' ? publicLimiter.take(clientAddress(req)) : keyLimiter.take(viewer.apiKeyId === null ? 'admin' : `key:${viewer.apiKeyId}`);
    if (!decision.ok) {
      return sendError(res, ErrorCode.RATE_LIMITED, `Too many requests: retry in ${decision.retryAfterSeconds} s`, 429, { retryAfter: decision.retryAfterSeconds }, { 'retry-after': String(decision.retryAfterSeconds) });
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const limit = viewer.role === 'PUBLIC' ? limits.publicBodyBytes : limits.authenticatedBodyBytes;
      const raw = await readBody(req, limit);
      if (raw === null) {
        res.setHeader('connection', 'close');
        return sendError(res, 'BAD_REQUEST', `Request body over ${limit} bytes (the limit for ${viewer.role === 'PUBLIC' ? 'anonymous' : 'authenticated'} requests)`, 413);
      }
      try {
        body = raw.length ? parseJsonBody(raw) : undefined;
      } catch {
        return sendError(res, 'BAD_REQUEST', 'Request body is not valid JSON', 400);
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method!.toUpperCase(), headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => buildContext(services, req, viewer) });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of result.headers) outHeaders[key] = value;
    if (result.body.kind === 'complete') {
      // A known length: one write, no chunked framing.
      outHeaders['content-length'] = String(Buffer.byteLength(result.body.string));
      res.writeHead(result.status ?? 200, outHeaders);
      res.end(result.body.string);
    } else {
      res.writeHead(result.status ?? 200, outHeaders);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    const fail = (err: unknown) => {
      console.error('[http]', err);
      if (!res.headersSent) sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error', 500);
      else res.destroy();
    };
    if (route === '/graphql') {
      handleGraphQL(req, res, url).catch(fail);
    } else if (route === '/health') {
      sendJson(res, 200, { status: 'ok' });
    } else if (route === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# HELP passerelle_sql_statements_total SQL statements sent to the database.\n# TYPE passerelle_sql_statements_total counter\npasserelle_sql_statements_total ${sqlCounter(dataSource).count}\n`);
    } else if (route.startsWith('/reports/')) {
      // Report pages run the audience and hub queries: limited per client address like anonymous
      // GraphQL calls (a bucket of their own); their static assets are not.
      if (!route.startsWith('/reports/assets/')) {
        const decision = publicLimiter.take(`reports:${clientAddress(req)}`);
        if (!decision.ok) {
          res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(decision.retryAfterSeconds) });
          res.end(`Too many requests: retry in ${decision.retryAfterSeconds} s\n`);
          return;
        }
      }
      handleReportRequest(req, res, url, services).catch(fail);
    } else if (route === '/') {
      res.writeHead(302, { location: '/graphql' });
      res.end();
    } else {
      sendJson(res, 404, { error: 'Not found: the GraphQL endpoint is /graphql' });
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    services,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
