/**
 * SSL passthrough (--enable-ssl-passthrough + the ssl-passthrough annotation): the HTTPS port
 * peeks at the ClientHello's SNI and splices matching connections, unterminated, to the
 * backend, so the client sees the BACKEND's certificate. Everything else on the same port is
 * terminated locally. ingress-nginx does this with a Go TCP proxy in front of NGINX; a client
 * whose hello arrives in tiny TCP segments, or a peer sending garbage, must not break it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import {
  fingerprintOf,
  handshake,
  httpsGet,
  type IssuedCertificate,
  ingressYaml,
  issue,
} from './support/tls-kit.ts';
import {
  captureClientHello,
  closedAfter,
  derOf,
  keepConnection,
  passthroughServiceYaml,
  sendFragmented,
  startTlsBackend,
  type TlsBackend,
} from './support/tls-raw.ts';

const PASS = 'pass.e2e.test';
const WILD = '*.wild.e2e.test';
const LOCAL = 'local.e2e.test';
const DEAD = 'dead.e2e.test';
const passthrough = { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' };

// The C splicer (the default) and the JavaScript relay must behave alike.
for (const splicer of ['native', 'javascript'] as const)
  describe(`--passthrough-splicer=${splicer}`, () => {
    let exactBackend: TlsBackend;
    let wildBackend: TlsBackend;
    let echo: EchoBackend;
    let portcullis: Portcullis;
    let exactCert: IssuedCertificate;
    let wildCert: IssuedCertificate;
    let localCert: IssuedCertificate;
    let sites: string;

    before(async () => {
      exactCert = await issue({ dnsNames: [PASS] });
      wildCert = await issue({ dnsNames: [WILD] });
      localCert = await issue({ dnsNames: [LOCAL] });
      exactBackend = await startTlsBackend('exact-backend', exactCert);
      wildBackend = await startTlsBackend('wild-backend', wildCert);
      echo = await startEchoBackend('local');
      // A port nothing listens on: its passthrough backend refuses every connection.
      const closed = createServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => closed.once('listening', resolve));
      const deadPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      sites = [
        passthroughServiceYaml('dead', deadPort),
        ingressYaml({
          name: 'dead',
          hosts: [DEAD],
          service: 'dead',
          port: deadPort,
          annotations: passthrough,
        }),
        passthroughServiceYaml('exact', exactBackend.port),
        ingressYaml({
          name: 'exact',
          hosts: [PASS],
          service: 'exact',
          port: exactBackend.port,
          annotations: passthrough,
        }),
        passthroughServiceYaml('wild', wildBackend.port),
        ingressYaml({
          name: 'wild',
          hosts: [WILD],
          service: 'wild',
          port: wildBackend.port,
          annotations: passthrough,
        }),
        serviceYaml('local', echo.port),
        ingressYaml({
          name: 'local',
          hosts: [LOCAL],
          tls: [{ hosts: [LOCAL], secretName: 'local' }],
          service: 'local',
        }),
        tlsSecretYaml('local', localCert),
      ].join('---\n');
      portcullis = await startPortcullis({
        flags: ['--enable-ssl-passthrough', `--passthrough-splicer=${splicer}`],
        manifests: { 'sites.yaml': sites },
      });
    });

    after(async () => {
      assert.equal(await portcullis.stop(), 0);
      await Promise.all([exactBackend.close(), wildBackend.close(), echo.close()]);
    });

    describe('SSL passthrough', () => {
      it('says which splicer relays the bytes', () => {
        const said = portcullis.logs
          .map((line) => line.msg)
          .filter((msg) => /passthrough bytes are relayed/.test(msg));
        assert.deepEqual(said, [
          splicer === 'native'
            ? 'passthrough bytes are relayed by the native splicer'
            : 'passthrough bytes are relayed in JavaScript (--passthrough-splicer=javascript)',
        ]);
      });

      it('splices an exact host to its backend: the client sees the backend certificate', async () => {
        const shake = await handshake(portcullis.httpsPort, { servername: PASS });
        assert.equal(shake.fingerprint, await fingerprintOf(exactCert.certPem));
        const res = await httpsGet(portcullis.httpsPort, PASS, '/through');
        assert.deepEqual(JSON.parse(res.body), { backend: 'exact-backend', url: '/through' });
      });

      it('splices a wildcard host (one label) to its backend', async () => {
        const res = await httpsGet(portcullis.httpsPort, 'api.wild.e2e.test', '/w');
        assert.equal(res.fingerprint, await fingerprintOf(wildCert.certPem));
        assert.deepEqual(JSON.parse(res.body), { backend: 'wild-backend', url: '/w' });
        const deeper = await handshake(portcullis.httpsPort, { servername: 'a.b.wild.e2e.test' });
        assert.notEqual(deeper.fingerprint, await fingerprintOf(wildCert.certPem));
      });

      it('counts spliced connections per passthrough host, and their bytes, on /metrics', async () => {
        // Three clean splices so far: two for the exact host, one for the wildcard's.
        const text = await (await fetch(`http://127.0.0.1:${portcullis.healthzPort}/metrics`)).text();
        const sample = (labels: string): number =>
          Number(new RegExp(`^${labels.replace(/[{}*.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
        assert.equal(sample(`portcullis_passthrough_connections_total{host="${PASS}",result="ok"}`), 2);
        assert.equal(sample(`portcullis_passthrough_connections_total{host="${WILD}",result="ok"}`), 1);
        assert.ok(sample('portcullis_passthrough_bytes_total{direction="in"}') > 1_000);
        assert.ok(sample('portcullis_passthrough_bytes_total{direction="out"}') > 1_000);
      });

      it('counts a backend that refuses once, under its reason code, and logs it', async () => {
        await assert.rejects(handshake(portcullis.httpsPort, { servername: DEAD }));
        await portcullis.waitForLog((line) => line.code === 'PassthroughBackendUnreachable');
        const text = await (await fetch(`http://127.0.0.1:${portcullis.healthzPort}/metrics`)).text();
        const series = text
          .split('\n')
          .filter((line) => line.startsWith(`portcullis_passthrough_connections_total{host="${DEAD}"`));
        assert.deepEqual(series, [
          `portcullis_passthrough_connections_total{host="${DEAD}",result="PassthroughBackendUnreachable"} 1`,
        ]);
        const logged = portcullis.logs.filter((line) => line.code === 'PassthroughBackendUnreachable');
        assert.equal(logged.length, 1);
        assert.equal(logged[0]?.sni, DEAD);
      });

      it('terminates other hosts on the same port with the local certificate', async () => {
        const res = await httpsGet(portcullis.httpsPort, LOCAL, '/here');
        assert.equal(res.fingerprint, await fingerprintOf(localCert.certPem));
        assert.equal((JSON.parse(res.body) as { backend: string }).backend, 'local');
        const noSni = await handshake(portcullis.httpsPort);
        assert.equal(noSni.cert.subject.CN, 'Kubernetes Ingress Controller Fake Certificate');
      });

      it('passes a ClientHello sent 1-5 bytes per TCP segment through intact', async () => {
        // TLS 1.2 so the server's Certificate message is in clear and shows who answered.
        const hello = await captureClientHello({ servername: PASS, maxVersion: 'TLSv1.2' });
        assert.equal(hello[0], 0x16, 'a handshake record');
        const backendDer = derOf(exactCert.certPem);
        const spliced = await sendFragmented(portcullis.httpsPort, hello, (got) => got.includes(backendDer));
        assert.ok(spliced.received.includes(backendDer), 'the backend answered the fragmented hello');

        const localHello = await captureClientHello({ servername: LOCAL, maxVersion: 'TLSv1.2' });
        const localDer = derOf(localCert.certPem);
        const local = await sendFragmented(portcullis.httpsPort, localHello, (got) => got.includes(localDer));
        assert.ok(
          local.received.includes(localDer),
          'a fragmented hello for a local host is terminated here',
        );
      });

      it('garbage and plain HTTP close only their own connection', async () => {
        const kept = keepConnection(portcullis.httpsPort, PASS);
        const keptLocal = keepConnection(portcullis.httpsPort, LOCAL);
        try {
          assert.equal((await kept.get('/1')).status, 200);
          assert.equal((await keptLocal.get('/1')).status, 200);

          const garbage = Buffer.from(
            '\x00\xff garbage that is not TLS at all \x01\x02\x03\r\n\r\n',
            'latin1',
          );
          assert.ok(await closedAfter(portcullis.httpsPort, garbage), 'garbage is closed');
          const plain = `GET / HTTP/1.1\r\nHost: ${PASS}\r\n\r\n`;
          assert.ok(await closedAfter(portcullis.httpsPort, plain), 'plain HTTP on the HTTPS port is closed');

          const again = await kept.get('/2');
          assert.equal(again.status, 200);
          assert.ok(again.reused, 'the spliced connection stayed open');
          assert.deepEqual(JSON.parse(again.body), { backend: 'exact-backend', url: '/2' });
          const againLocal = await keptLocal.get('/2');
          assert.equal(againLocal.status, 200);
          assert.ok(againLocal.reused, 'the terminated connection stayed open');
          // And the listener still takes new connections.
          assert.equal((await httpsGet(portcullis.httpsPort, LOCAL, '/after')).status, 200);
        } finally {
          kept.close();
          keptLocal.close();
        }
      });

      it('SIGTERM keeps a spliced connection until the drain time-out, then cuts it and exits 0', async () => {
        const drainMs = 800;
        const own = await startPortcullis({
          flags: ['--enable-ssl-passthrough', `--passthrough-splicer=${splicer}`],
          manifests: { 'sites.yaml': sites },
          env: { PORTCULLIS_DRAIN_TIMEOUT_MS: String(drainMs) },
        });
        const kept = keepConnection(own.httpsPort, PASS);
        try {
          assert.equal((await kept.get('/before')).status, 200);
          const started = Date.now();
          const stopped = own.stop('SIGTERM');
          await new Promise((resolve) => setTimeout(resolve, 200));
          const during = await kept.get('/during');
          assert.equal(during.status, 200);
          assert.ok(during.reused, 'the spliced connection survived the start of the drain');
          assert.equal(await stopped, 0);
          assert.ok(Date.now() - started >= drainMs - 50, 'the drain waited for the open splice');
          await assert.rejects(kept.get('/after'), 'the splice was cut at the end of the drain');
        } finally {
          kept.close();
        }
      });
    });
  });
