import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'error500' | 'slow';

export interface Delivery {
  after: string;
  cursor: string;
  reset: boolean;
  changes: Array<{ cursor: string; kind: 'UPSERT' | 'REMOVE'; offerId: string; offer: { title: string } | null }>;
}

/**
 * A partner's webhook endpoint on 127.0.0.1, as a partner would write it: verifies the signature
 * (header `passerelle-signature: t=<unix>,v1=<hex>`, HMAC-SHA256 over "<t>.<body>") and rejects a
 * bad one with 401; applies each accepted batch once (de-duplicated by its cursor), and can answer
 * 500, answer too slowly, or go away.
 */
export class WebhookReceiver {
  secret = '';
  mode: ReceiverMode = 'ok';
  slowMs = 2_000;
  /** The receiver's clock, for the timestamp tolerance (tests share theirs with the hub's). */
  clock: () => number = () => Date.now();
  /** Every request received, with whether its signature was good. */
  readonly requests: Array<{ signatureOk: boolean; body: Delivery }> = [];
  /** What the partner holds: offer global id -> title. */
  readonly held = new Map<string, string>();
  private readonly applied = new Set<string>();
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/passerelle`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signatureOk = WebhookReceiver.verify(
          this.secret,
          String(req.headers['passerelle-signature'] ?? ''),
          raw,
          300,
          Math.floor(this.clock() / 1000),
        );
        const body = JSON.parse(raw) as Delivery;
        this.requests.push({ signatureOk, body });
        if (!signatureOk) return void res.writeHead(401).end();
        if (this.mode === 'error500') return void res.writeHead(500).end('down for maintenance');
        const answer = () => {
          this.apply(body);
          res.writeHead(204).end();
        };
        if (this.mode === 'slow') setTimeout(answer, this.slowMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  /** Goes away: the port refuses connections until start(port) again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The verification snippet of docs/syndication.md. */
  static verify(
    secret: string,
    header: string,
    rawBody: string,
    toleranceSeconds = 300,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): boolean {
    const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const timestamp = Number(parts.t);
    if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !parts.v1) return false;
    const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
    const given = Buffer.from(parts.v1, 'hex');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  private apply(body: Delivery): void {
    if (this.applied.has(body.cursor) && !body.reset) return; // at-least-once: a redelivery is applied once
    this.applied.add(body.cursor);
    if (body.reset) this.held.clear();
    for (const c of body.changes) {
      if (c.kind === 'UPSERT') this.held.set(c.offerId, c.offer!.title);
      else this.held.delete(c.offerId);
    }
  }
}
