/**
 * A controller-like primary for the shutdown test (it gets SIGTERM, so it cannot be the test
 * process): two workers of workers-fixture-app.ts on the port given as argv[2].
 */
import { startWorkers } from '../src/workers/index.ts';

const port = Number(process.argv[2]);
const pool = startWorkers({
  count: 2,
  workerModule: new URL('./workers-fixture-app.ts', import.meta.url),
  workerOptions: { port },
  signals: ['SIGTERM'],
  shutdownTimeoutMs: 5_000,
  log: (level, msg, fields) => process.stderr.write(`${level} ${msg} ${JSON.stringify(fields)}\n`),
});
await pool.ready;
process.stdout.write('READY\n');
