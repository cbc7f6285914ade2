// The pool's worker entry when running from the TypeScript sources (the command-line
// tool, Vitest, the benchmark). Node 20 ignores `--import` in a worker's execArgv, so
// tsx is registered here; the production build runs dist-server/thumbnail-worker.js instead.
import { register } from 'tsx/esm/api';

register();
const { default: makeThumbnails } = await import('./thumbnail-worker.ts');
export default makeThumbnails;
