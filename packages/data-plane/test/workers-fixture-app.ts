/**
 * A small worker module for the workers tests: an HTTP server on the shared port that counts
 * requests with createMetrics, shows its pid and the published state, sleeps or crashes on demand.
 */
import { createServer } from 'node:http';
import { createMetrics } from '../src/metrics/index.ts';
import type { WorkerContext, WorkerHandle } from '../src/workers/index.ts';

export async function start(context: WorkerContext<unknown, { port: number }>): Promise<WorkerHandle> {
  const metrics = createMetrics({ registry: context.registry });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
      metrics.observeRequest({
        method: req.method ?? 'GET',
        status,
        host: '',
        path: '/',
        namespace: '',
        ingress: '',
        service: '',
        requestSize: 0,
        responseSize: body.length,
        requestDuration: 0.001,
      });
    };
    switch (url.pathname) {
      case '/pid':
        return reply(200, String(process.pid));
      case '/state':
        return reply(
          200,
          JSON.stringify({ state: context.current() ?? null, frozen: Object.isFrozen(context.current()) }),
        );
      case '/slow':
        setTimeout(() => reply(200, 'slow done'), Number(url.searchParams.get('ms') ?? 1000));
        return;
      case '/crash':
        process.exit(3);
        return;
      default:
        return reply(200, 'ok');
    }
  });
  await context.listen(server, { port: context.options.port, host: '127.0.0.1' });
  return {};
}
