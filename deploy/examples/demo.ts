/**
 * The README's main job: demo certificates, the demo backends, and portcullis in standalone
 * mode on unprivileged ports serving deploy/examples. Prints curl commands that show it working.
 * Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoBackends } from './backend.ts';
import { ensureDemoCertificates } from './certs.ts';

const examples = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../packages/controller/src/cli.ts', import.meta.url));
const ports = { http: 8080, https: 8443, healthz: 10254 };

const certs = await ensureDemoCertificates();
const backends = await startDemoBackends(certs);
const child = spawn(
  process.execPath,
  [
    cli,
    '--manifests',
    examples,
    `--http-port=${ports.http}`,
    `--https-port=${ports.https}`,
    `--healthz-port=${ports.healthz}`,
    '--bind-address=127.0.0.1',
    '--enable-ssl-passthrough',
    '--configmap=demo/portcullis',
    '--workers=1',
  ],
  { stdio: ['ignore', 'inherit', 'pipe'] },
);

let announced = false;
child.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (!announced && chunk.toString().includes('portcullis is serving')) {
    announced = true;
    const r = (host: string, port: number) => `--resolve ${host}:${port}:127.0.0.1`;
    const ca = `--cacert ${certs.caFile}`;
    process.stdout.write(
      [
        '',
        'portcullis is serving the demo. Try:',
        `  curl ${ca} ${r('shop.demo.test', ports.https)} https://shop.demo.test:${ports.https}/`,
        `  curl ${ca} ${r('shop.demo.test', ports.https)} https://shop.demo.test:${ports.https}/api/orders --http2 -v`,
        `  curl -i ${r('shop.demo.test', ports.http)} http://shop.demo.test:${ports.http}/cart    # 308 to HTTPS`,
        `  curl -i ${ca} ${r('old-shop.demo.test', ports.https)} https://old-shop.demo.test:${ports.https}/   # redirect-only host (uses the default certificate: add -k)`,
        `  curl ${ca} ${r('vault.demo.test', ports.https)} https://vault.demo.test:${ports.https}/   # SSL passthrough: the backend's own TLS`,
        `  curl -k ${r('status.demo.test', ports.https)} https://status.demo.test:${ports.https}/   # default (fake) certificate`,
        `  openssl s_client -connect 127.0.0.1:${ports.https} -servername blog.demo.test -CAfile ${certs.caFile} </dev/null`,
        `  curl http://127.0.0.1:${ports.healthz}/metrics`,
        'Edit files in deploy/examples/ and watch the changes apply. Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
});

const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => {
  for (const server of backends) server.close();
  process.exit(code ?? 1);
});
