#!/usr/bin/env node
// The command-line tool's launcher (`npx thumbnail-generator`). It runs the
// TypeScript sources without the web app's build: when they are newer than the
// last bundle, esbuild bundles the tool and its worker thread (about 50 ms) into
// node_modules/.cache/thumbnail-generator/, then the bundle runs. A bundled worker
// starts in ~100 ms where one loading the sources through tsx took ~500 ms, and
// the pool starts a fresh one after every failed image.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleCli } from '../scripts/bundle-cli.mjs';

const folder = await bundleCli();
const { runAsProgram } = await import(pathToFileURL(join(folder, 'cli.mjs')).href);
await runAsProgram();
