import http from 'node:http';
import mysql from 'mysql2';
import type { ReferenceOffer } from './fixtures';

/**
 * The floors of scenario (a) on this machine (`BENCH_READ_SCENARIO=floor npm run bench:read`):
 * node:http with no GraphQL at all, loaded like (a), to tell what the machine itself allows.
 *
 * - MODE=static: every request answered with the reference's answer, kept in memory: the most
 *   any Node server can do here (the ceiling of a response cache's hits).
 * - MODE=mariadb: every request reads its page from MariaDB with one prepared statement (the
 *   hub's page of (a): department × contract, the covering index, 21 rows) over a pool of 10
 *   connections, and answers it as JSON: the most any server reading MariaDB per request can do.
 *
 * Env: PORT (required), MODE, REFERENCE_OFFERS_JSON (static), DATABASE_URL (mariadb; mysql://).
 */
const PAGE_SQL =
  "SELECT o.id, o.title, o.published_at, o.city, o.partner_id FROM offer o FORCE INDEX (ix_offer_department_contract) WHERE o.department_code = ? AND o.contract_type = ? AND o.status = 'ACTIVE' AND (o.valid_through IS NULL OR o.valid_through > ?) ORDER BY o.published_at DESC, o.id DESC LIMIT 21";

interface PageRow {
  id: number;
  title: string;
  published_at: Date;
  city: string | null;
  partner_id: number | null;
}

function answer(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function main(): void {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set');
  const mode = process.env.MODE;
  let handle: (
    body: { variables?: { filter?: { departmentCodes?: string[]; contractTypes?: string[] } } },
    res: http.ServerResponse,
  ) => void;
  if (mode === 'static') {
    const offers: ReferenceOffer[] = JSON.parse(process.env.REFERENCE_OFFERS_JSON ?? '[]');
    const edges = offers.slice(0, 20).map((node) => ({ node }));
    const text = JSON.stringify({ data: { offers: { edges, pageInfo: { endCursor: 'x', hasNextPage: true } } } });
    handle = (_body, res) => answer(res, 200, text);
  } else if (mode === 'mariadb') {
    const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10 });
    handle = (body, res) => {
      const filter = body.variables?.filter ?? {};
      const params = [filter.departmentCodes?.[0] ?? '', filter.contractTypes?.[0] ?? '', new Date()];
      pool.execute(PAGE_SQL, params, (err, result) => {
        if (err) return answer(res, 500, JSON.stringify({ errors: [{ message: err.message }] }));
        const rows = result as unknown as PageRow[];
        const edges = rows.slice(0, 20).map((r) => ({
          node: {
            id: String(r.id),
            title: r.title,
            publishedAt: r.published_at.toISOString(),
            location: { city: r.city },
            partner: { name: String(r.partner_id) },
          },
        }));
        const pageInfo = { endCursor: edges.length ? edges[edges.length - 1].node.id : null, hasNextPage: rows.length > 20 };
        answer(res, 200, JSON.stringify({ data: { offers: { edges, pageInfo } } }));
      });
    };
  } else throw new Error('MODE must be static or mariadb');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(JSON.parse(Buffer.concat(chunks).toString('utf8')), res);
      } catch (err) {
        answer(res, 400, JSON.stringify({ errors: [{ message: String(err) }] }));
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log(`Floor server (${mode}) listening on ${port}`));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
