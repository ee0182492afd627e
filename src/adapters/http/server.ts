// drover's HTTP server: POST /slack/events (Bolt), POST /hooks/deploy, GET /healthz (ready),
// GET /livez (alive), GET /metrics (Prometheus). While the process shuts down, commands get 503.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_BODY_LIMIT } from './webhook-auth.js';

export interface Routes {
  slack?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  deploy?:
    | ((
        rawBody: string,
        headers: IncomingMessage['headers'],
      ) => Promise<{ status: number; body: Record<string, unknown> }>)
    | undefined;
  /** Readiness: `ok` and what is down (the JSON body of GET /healthz). */
  health: () => Promise<{ ok: boolean }>;
  /** Liveness: `ok` while the process's loops run (GET /livez). */
  live?: () => { ok: boolean };
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** True once the process is shutting down: commands and hooks answer 503. */
  closing?: () => boolean;
  onError?: (error: unknown) => void;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new TooLarge(`the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TooLarge(`the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createHttpServer(routes: Routes): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const fail = (error: unknown) => {
      routes.onError?.(error);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    };
    const command = path === '/slack/events' || path === '/hooks/deploy';
    if (command && routes.closing?.()) {
      res.setHeader('retry-after', '5');
      return json(res, 503, { error: 'drover is shutting down; another drover process takes over' });
    }
    if (path === '/slack/events' && routes.slack) return routes.slack(req, res);
    if (path === '/hooks/deploy' && req.method === 'POST' && routes.deploy) {
      const deploy = routes.deploy;
      readBody(req, WEBHOOK_BODY_LIMIT)
        .then((raw) => deploy(raw, req.headers))
        .then(
          (answer) => json(res, answer.status, answer.body),
          (error) => {
            if (!(error instanceof TooLarge)) return fail(error);
            // Say so and close: the rest of the body is not read.
            res.setHeader('connection', 'close');
            json(res, 413, { error: error.message });
          },
        );
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      routes.health().then((answer) => json(res, answer.ok ? 200 : 503, answer), fail);
      return;
    }
    if (path === '/livez' && req.method === 'GET' && routes.live) {
      const answer = routes.live();
      return json(res, answer.ok ? 200 : 503, answer);
    }
    if (path === '/metrics' && req.method === 'GET' && routes.metrics) {
      routes
        .metrics()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body), fail);
      return;
    }
    json(res, 404, { error: `no route ${req.method} ${path}` });
  });
}

export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
