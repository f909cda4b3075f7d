/** The script cluster.fork() runs (see primary.ts); everything else is in worker.ts. */
import { runWorker } from './worker.ts';

runWorker();
