import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { putHttp1DirectPath } from '../src/http/index.ts';
import { ServerDrain } from '../src/workers/index.ts';

function fetchVia(agent: Agent, port: number, path: string): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ res, body }));
    }).on('error', reject);
  });
}

async function server(handler: Parameters<typeof createServer>[1], direct: boolean) {
  const srv = createServer(handler);
  // The HTTP/1.1 direct path (http/h1-direct.ts) serves these requests in portcullis.
  if (direct) putHttp1DirectPath(srv, 'connection');
  const drain = new ServerDrain(srv);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { srv, drain, port: (srv.address() as AddressInfo).port };
}

for (const direct of [false, true]) {
  describe(`ServerDrain (graceful shutdown of one server${direct ? ', direct path' : ''})`, () => {
    it('closes idle keep-alive connections, lets in-flight requests finish with Connection: close', async () => {
      const { drain, port } = await server((req, res) => {
        setTimeout(() => res.end('done'), req.url === '/slow' ? 400 : 0);
      }, direct);
      const idleAgent = new Agent({ keepAlive: true });
      const busyAgent = new Agent({ keepAlive: true });
      await fetchVia(idleAgent, port, '/fast');
      const [idleSocket] = Object.values(idleAgent.freeSockets).flat();
      assert.ok(idleSocket !== undefined, 'an idle keep-alive connection');
      const slow = fetchVia(busyAgent, port, '/slow');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const drained = drain.drain(5_000);
      await once(idleSocket, 'close');
      assert.ok(Date.now() - started < 300, 'the idle connection closed at once');
      const { res, body } = await slow;
      assert.equal(body, 'done');
      assert.equal(res.headers.connection, 'close');
      assert.deepEqual(await drained, { forced: 0 });
      assert.ok(Date.now() - started < 2_000, 'the drain ended with the last request, not the timeout');
      idleAgent.destroy();
      busyAgent.destroy();
    });

    it('cuts connections still busy at the timeout', async () => {
      const { drain, port } = await server(() => {
        /* never answers */
      }, direct);
      const agent = new Agent();
      const hung = fetchVia(agent, port, '/hang');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(await drain.drain(200), { forced: 1 });
      await assert.rejects(hung, { code: 'ECONNRESET' });
      agent.destroy();
    });
  });
}
