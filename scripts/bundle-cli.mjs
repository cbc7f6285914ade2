// Bundles the command-line tool and its worker thread (src/cli/main.ts,
// src/node/thumbnail-worker.ts) with esbuild into node_modules/.cache/thumbnail-generator/
// when the sources are newer than the last bundle; returns the bundle's folder.
// bin/thumbnail-generator.mjs runs it; bench/node-pool.bench.ts measures its worker.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = ['src', 'package-lock.json', 'scripts/bundle-cli.mjs'];

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function cacheFolder() {
  for (const base of [join(root, 'node_modules/.cache/thumbnail-generator'), join(tmpdir(), 'thumbnail-generator-cli')]) {
    try {
      mkdirSync(base, { recursive: true });
      return base;
    } catch {
      // not writable (a read-only install): try the next
    }
  }
  throw new Error('No writable folder for the tool\'s bundle.');
}

export async function bundleCli() {
  const stamp = Math.floor(Math.max(...sources.map((p) => newest(join(root, p))))).toString(36);
  const base = cacheFolder();
  const folder = join(base, `build-${stamp}`);
  if (statSync(join(folder, 'cli.mjs'), { throwIfNoEntry: false })) return folder;
  const temporary = join(base, `tmp-${process.pid}-${Date.now()}`);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await build({
    absWorkingDir: root,
    entryPoints: { cli: 'src/cli/main.ts', 'thumbnail-worker': 'src/node/thumbnail-worker.ts' },
    outdir: temporary,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Dependencies load from node_modules as they are (the codecs find their .wasm there).
    packages: 'external',
    define: { __CLI_VERSION__: JSON.stringify(version) },
    logLevel: 'error',
  });
  try {
    renameSync(temporary, folder);
  } catch {
    rmSync(temporary, { recursive: true, force: true }); // another run built it at the same moment
  }
  // Bundles of older sources, once no run can still be using them.
  for (const name of readdirSync(base)) {
    const old = join(base, name);
    if (old !== folder && Date.now() - statSync(old).mtimeMs > 60 * 60 * 1000) rmSync(old, { recursive: true, force: true });
  }
  return folder;
}

