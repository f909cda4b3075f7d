/**
 * The demo's tiny backend: three plain HTTP apps (shop 9101, api 9102, blog 9103) that echo
 * what they received, and a TLS app for SSL passthrough (vault 9443) serving its own
 * certificate. Loopback only.
 */

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { DemoCertificates } from './certs.ts';

function echo(app: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify(
      {
        app,
        method: req.method,
        url: req.url,
        host: req.headers.host,
        'x-forwarded-for': req.headers['x-forwarded-for'],
        'x-forwarded-proto': req.headers['x-forwarded-proto'],
        'x-request-id': req.headers['x-request-id'],
      },
      null,
      2,
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${body}\n`);
  };
}

export async function startDemoBackends(certs: DemoCertificates): Promise<Server[]> {
  const apps: [string, number][] = [
    ['shop', 9101],
    ['api', 9102],
    ['blog', 9103],
  ];
  const servers: Server[] = apps.map(([app]) => createServer(echo(app)));
  const vault = createTlsServer(
    { cert: readFileSync(certs.vault.certFile), key: readFileSync(certs.vault.keyFile) },
    echo('vault (TLS terminated by the backend itself)'),
  );
  servers.push(vault);
  const ports = [...apps.map(([, port]) => port), 9443];
  await Promise.all(
    servers.map(
      (server, i) =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(ports[i], '127.0.0.1', () => resolve());
        }),
    ),
  );
  return servers;
}
