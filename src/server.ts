import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError } from 'graphql';
import type { DataSource } from 'typeorm';
import { buildContext, type GraphQLContext } from './context';
import { sqlCounter } from './db/data-source';
import { ErrorCode } from './errors';
import { jitGateway } from './graphql/jit-executor';
import { buildSchema } from './schema';
import { createServices, type Services } from './services';

/** Largest request body accepted (public queries). */
export const MAX_BODY_BYTES = 256 * 1024;

const OUR_CODES = new Set<string>(Object.values(ErrorCode));
/** Codes graphql-js / Apollo produce for malformed requests, passed through as they are. */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);
/** Validation messages that are really about a bad argument value: reported as BAD_USER_INPUT. */
const BAD_VALUE_MESSAGE = /does not exist in "[^"]+" enum|Expected value of type|cannot represent|Expected type|is not a valid|got invalid value/;

/**
 * Keeps client-fixable errors as they are and turns anything unexpected into a bare
 * INTERNAL_SERVER_ERROR: no stack, no SQL. The detail goes to the log with the request id.
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

function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts the hub's HTTP server on an open data source: GraphQL at /graphql (POST, and GET for
 * queries), /health, and /metrics (SQL statement counter, Prometheus text format).
 */
export async function startHub(
  dataSource: DataSource,
  opts: { port: number; host?: string; executor?: 'jit' | 'graphql-js' },
): Promise<RunningHub> {
  const services = createServices(dataSource);
  const schema = buildSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    ...((opts.executor ?? 'jit') === 'jit' ? { gateway: jitGateway(schema) } : { schema }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // The cache-control plugin wraps every resolver; we set no cache hints, so it is pure cost.
    plugins: [ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();

  const handleGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const text = await readBody(req, MAX_BODY_BYTES);
      if (text === null) return sendJson(res, 413, { errors: [{ message: `Request body over ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_REQUEST' } }] });
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method!.toUpperCase(), headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => buildContext(services, req) });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of result.headers) outHeaders[key] = value;
    res.writeHead(result.status ?? 200, outHeaders);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    const done = (err: unknown) => {
      console.error('[http]', err);
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    };
    if (route === '/graphql') {
      handleGraphQL(req, res, url).catch(done);
    } else if (route === '/health') {
      sendJson(res, 200, { status: 'ok' });
    } else if (route === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# HELP passerelle_sql_statements_total SQL statements sent to the database.\n# TYPE passerelle_sql_statements_total counter\npasserelle_sql_statements_total ${sqlCounter(dataSource).count}\n`);
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
