#!/usr/bin/env node
// `npm start`: builds the app and the server when the build is missing or older
// than the sources, then starts the server (src/server/main.ts, built to dist-server/).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const inputs = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
const outputs = ['dist/index.html', 'dist-server/main.js'];

function newest(path) {
  const full = join(root, path);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(full).map((name) => newest(join(path, name))));
}

function run(args) {
  const result = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const builtAt = Math.min(...outputs.map((p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0)));
if (builtAt === 0 || inputs.some((p) => newest(p) > builtAt)) {
  console.log('Building the app…');
  run(['build']);
  run(['build', '--ssr', '--outDir', 'dist-server', '--emptyOutDir']); // entries: vite.config.ts
}

process.chdir(root);
await import(pathToFileURL(join(root, 'dist-server/main.js')).href);
