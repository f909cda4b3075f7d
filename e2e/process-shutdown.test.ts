/**
 * Graceful shutdown as a rolling update sees it: on SIGTERM the in-flight request still gets its
 * 200, readiness drops so the endpoint is removed, new connections are refused, and the process
 * exits 0 once drained (ingress-nginx: nginx -s quit after --shutdown-grace-period).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serviceYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { freePort, get, within } from './support/http-clients.ts';
import { ingressYaml } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

const backendDelayMs = 1_500;

/** 'refused' when nothing accepts on the port any more, 'accepted' otherwise. */
function tryConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

async function eventually(check: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// One process, and a primary with two workers (each drains its own listeners, workers/drain.ts).
for (const workers of ['1', '2']) {
  describe(`SIGTERM (--workers=${workers})`, { timeout: 40_000 }, () => {
    let app: ScriptedBackend;
    let portcullis: Portcullis;

    before(async () => {
      app = await startScriptedBackend({ name: 'app' });
      portcullis = await startPortcullis({
        manifests: {
          'app.yaml': `${serviceYaml('app', app.port)}---\n${ingressYaml({ name: 'app', host: 'drain.e2e.test', service: 'app' })}`,
        },
        // Workers share fixed ports (SO_REUSEPORT); port 0 would give each its own.
        flags:
          workers === '1'
            ? []
            : [`--workers=${workers}`, `--http-port=${await freePort()}`, `--https-port=${await freePort()}`],
      });
    });

    after(async () => {
      await portcullis.stop('SIGKILL');
      await app.close();
    });

    it('finishes the in-flight request, refuses new connections, drops readiness, exits 0', async () => {
      const exited = once(portcullis.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const slow = get(portcullis.httpPort, {
        host: 'drain.e2e.test',
        path: `/slow?delay=${backendDelayMs}`,
        timeoutMs: 15_000,
      });
      // Signal only once the request is really in flight (the backend holds it).
      await eventually(
        async () => app.requests.some((r) => r.url?.startsWith('/slow')),
        10_000,
        'request in flight',
      );
      const signalledAt = Date.now();
      portcullis.process.kill('SIGTERM');
      await portcullis.waitForLog(
        (l) => l.msg === 'shutting down: draining connections' && l.signal === 'SIGTERM',
      );

      // While the request is still running: no new connections, and /readyz says not ready.
      await eventually(
        async () => (await tryConnect(portcullis.httpPort)) === 'refused',
        1_000,
        'HTTP port closed',
      );
      assert.equal(await tryConnect(portcullis.httpsPort), 'refused');
      const ready = await fetch(`http://127.0.0.1:${portcullis.healthzPort}/readyz`).catch(() => null);
      assert.ok(ready === null || ready.status === 503, `readyz answered ${ready?.status} while draining`);

      const res = await within(slow, 15_000, 'the in-flight request');
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as { url: string }).url, `/slow?delay=${backendDelayMs}`);
      const [code, signal] = await within(exited, 15_000, 'process exit');
      assert.deepEqual([code, signal], [0, null]);
      assert.ok(Date.now() - signalledAt < 10_000, 'exit waited for the drain timeout, not for the request');
      assert.equal(
        portcullis.logs.filter((l) => l.level === 'error').length,
        0,
        JSON.stringify(portcullis.logs),
      );
    });
  });
}
