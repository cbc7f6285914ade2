// Worker threads do not inherit vitest's TypeScript transform, and Node 20 ignores
// `--import` in a worker's execArgv; register tsx here, then load the .ts entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
