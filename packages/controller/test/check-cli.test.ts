/**
 * End to end: the real `portcullis check` process on a directory of manifests whose
 * certificates are issued at test time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { issueCertificate } from '@portcullis/config-model';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function portcullis(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const day = 24 * 60 * 60 * 1000;

let root: string;
let good: string;
let broken: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-check-'));
  const now = Date.now();
  const validity = { notBefore: new Date(now - day), notAfter: new Date(now + 90 * day) };
  const ca = await issueCertificate({
    commonName: 'Check Test CA',
    keyType: 'ECDSA-P-256',
    isCa: true,
    ...validity,
  });
  const leaf = await issueCertificate({
    commonName: 'shop.example.com',
    dnsNames: ['shop.example.com'],
    keyType: 'ECDSA-P-256',
    issuer: ca,
    ...validity,
  });

  good = join(root, 'good');
  await mkdir(join(good, 'apps'), { recursive: true });
  await writeFile(join(good, 'class.yaml'), ingressClass);
  await writeFile(
    join(good, 'apps', 'shop.yaml'),
    [
      secret('shop-tls', leaf.certPem + ca.certPem, leaf.keyPem),
      service('api'),
      endpointSlice('api', '10.0.0.5'),
      ingress('web', 'shop-tls'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec: {}\n',
    ].join('---\n'),
  );

  broken = join(root, 'broken');
  await mkdir(broken, { recursive: true });
  await writeFile(join(broken, 'class.yaml'), ingressClass);
  await writeFile(
    join(broken, 'shop.yaml'),
    [
      service('api'),
      endpointSlice('api', '10.0.0.5'),
      ingress('web', 'missing-tls'),
      'metadata: [oops\n',
    ].join('---\n'),
  );
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const ingressClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
`;

function secret(name: string, certPem: string, keyPem: string): string {
  return `apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: {name: ${name}, namespace: shop}
data:
  tls.crt: ${b64(certPem)}
  tls.key: ${b64(keyPem)}
`;
}

function service(name: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  clusterIP: 10.96.0.10
  ports: [{name: http, port: 80, targetPort: 8080}]
`;
}

function endpointSlice(service: string, address: string): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${service}-abc
  namespace: shop
  labels: {kubernetes.io/service-name: ${service}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [${address}]
  conditions: {ready: true}
`;
}

function ingress(name: string, secretName: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: shop
  creationTimestamp: "2026-01-01T00:00:00Z"
spec:
  ingressClassName: nginx
  tls:
  - hosts: [shop.example.com]
    secretName: ${secretName}
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend: {service: {name: api, port: {number: 80}}}
`;
}

describe('portcullis check', () => {
  it('reports servers, certificates and routes, and exits 0 without errors', async () => {
    const run = await portcullis('check', good);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const out = run.stdout;
    assert.match(out, /^server shop\.example\.com$/m);
    assert.match(out, /certificate: Secret shop\/shop-tls \(from Ingress shop\/web\)/);
    assert.match(out, /subject +CN=shop\.example\.com/);
    assert.match(out, /SANs +shop\.example\.com/);
    assert.match(out, /issuer +CN=Check Test CA/);
    assert.match(out, /key +ECDSA-P-256/);
    assert.match(out, /chain +CN=shop\.example\.com <- CN=Check Test CA \(2 certificates/);
    assert.match(
      out,
      /\/api Prefix -> service shop\/api:80 -> 10\.0\.0\.5:8080 +\[Ingress shop\/web; http->https 308\]/,
    );
    assert.match(out, /^default certificate: fake$/m);
    assert.match(out, /subject +.*CN=Kubernetes Ingress Controller Fake Certificate/);
    assert.match(out, /^catch-all server _/m);
    assert.match(out, /not read by portcullis: Deployment x1/);
    assert.doesNotMatch(out, /^ +error /m);
    assert.doesNotMatch(out, /PRIVATE KEY/);
  });

  it('lists every diagnostic with severity, code and object, and exits 1 on errors', async () => {
    const run = await portcullis('check', broken);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    const out = run.stdout;
    assert.match(out, /^ +error SecretNotFound Ingress shop\/web( \([^)]*\))?: .*missing-tls/m);
    assert.match(
      out,
      /^ +error ManifestInvalid Manifest .*shop\.yaml \(document 4\): .*shop\.yaml: document 4 \(line \d+\)/m,
    );
    // The host still serves, with the default certificate, as ingress-nginx does.
    assert.match(out, /^server shop\.example\.com$/m);
    assert.match(out, /certificate: default certificate \(fake\)/);
    assert.match(out, /^2 errors, 0 warnings, 0 info$/m);
  });

  it('--output json prints the table and diagnostics without private keys', async () => {
    const run = await portcullis('check', '--output=json', good);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /PRIVATE KEY|keyPem/);
    const parsed = JSON.parse(run.stdout) as {
      table: { servers: Record<string, unknown>; certificates: Record<string, { certPem: string }> };
      diagnostics: unknown[];
    };
    assert.ok(parsed.table.servers['shop.example.com']);
    assert.match(parsed.table.certificates['shop/shop-tls']?.certPem ?? '', /BEGIN CERTIFICATE/);
    assert.ok(Array.isArray(parsed.diagnostics));
  });

  it('flags shape the build: --default-ssl-certificate names a Secret', async () => {
    const run = await portcullis('check', '--default-ssl-certificate', 'shop/shop-tls', good);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^default certificate: Secret shop\/shop-tls$/m);
    assert.match(
      run.stdout,
      /certificate: default certificate \(Secret shop\/shop-tls\) \(from Ingress shop\/web\)/,
    );
  });

  it('exits 1 with one line naming an unreadable path', async () => {
    const missing = join(root, 'nope');
    const run = await portcullis('check', missing);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(`^portcullis check: cannot read manifests path ${missing}: ENOENT[^\\n]*\\n$`),
    );
  });

  it('exits 2 on bad usage and prints help with --help', async () => {
    const bad = await portcullis('check', '--https-port=70000', good);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^portcullis: invalid value "70000" for --https-port/);
    const help = await portcullis('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--default-ssl-certificate NS\/NAME/);
  });
});
