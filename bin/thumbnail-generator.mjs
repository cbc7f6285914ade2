#!/usr/bin/env node
// The command-line tool's launcher (`npx thumbnail-generator`). It runs the
// TypeScript sources without the web app's build: when they are newer than the
// last bundle, esbuild bundles the tool and its worker thread (about 50 ms) into
// node_modules/.cache/thumbnail-generator/, then the bundle runs. A bundled worker
// starts in ~100 ms where one loading the sources through tsx took ~500 ms, and
// the pool starts a fresh one after every failed image.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const sources = ['src', 'package-lock.json', 'bin/thumbnail-generator.mjs'];

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

async function bundled() {
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
  return folder;
}

const folder = await bundled();
const { runAsProgram } = await import(pathToFileURL(join(folder, 'cli.mjs')).href);
await runAsProgram();
