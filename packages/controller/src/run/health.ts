/**
 * The --healthz-port server, as ingress-nginx's: /healthz (liveness: the process answers),
 * /readyz (200 once the first routing table is live and until shutdown starts), /metrics.
 */
import { createServer, type Server } from 'node:http';

export interface HealthDeps {
  readonly ready: () => boolean;
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
}

export function createHealthServer(deps: HealthDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = deps.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok' : 'not ready');
    } else if (path === '/metrics') {
      deps.metrics().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
}
