#!/usr/bin/env node
// `npm run bench`: the core pipeline in Node, then in Chromium against the production
// build (built first if missing): every decode route against the canvas path and sharp
// (bench/routes.bench.ts, which writes bench/results/latest.{md,json} and
// latest-ratios.svg), the JPEG route of every engine against that engine's canvas path
// (bench/engines.bench.ts: Chromium, Firefox, WebKit), the cache-hit path, the main
// thread's long tasks during a batch, 1,000 cards, and the proxy server's peak memory with
// 16 large images in flight (bench/proxy-memory.bench.ts), and the Node pool through 1,000
// failed decodes (bench/node-pool.bench.ts). TypeScript runs through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args) => {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (!existsSync(`${root}/dist/index.html`) || !existsSync(`${root}/dist-server/main.js`)) {
  run([`${root}/node_modules/vite/bin/vite.js`, 'build']);
  run([`${root}/node_modules/vite/bin/vite.js`, 'build', '--ssr', '--outDir', 'dist-server', '--emptyOutDir']); // entries: vite.config.ts
}
run(['--import', 'tsx', 'bench/pipeline.bench.ts']);
run(['--import', 'tsx', 'bench/routes.bench.ts']);
run(['--import', 'tsx', 'bench/engines.bench.ts']);
run(['--import', 'tsx', 'bench/cache.bench.ts']);
run(['--import', 'tsx', 'bench/main-thread.bench.ts']);
run(['--import', 'tsx', 'bench/many-cards.bench.ts']);
run(['--import', 'tsx', 'bench/proxy-memory.bench.ts']);
run(['--import', 'tsx', 'bench/node-pool.bench.ts']);
