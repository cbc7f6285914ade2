#!/usr/bin/env node
// `npm run build:edge`: bundles the Cloudflare Worker (src/edge/worker.ts) into one
// ES module, dist-edge/worker.js, for workerd / wrangler (deploy/cloudflare/wrangler.toml).
//
// The proxy needs the codec registry only for sniffMimeType (the first bytes of a
// body). The registry imports the jSquash glue, jpeg-js, omggif and fflate
// statically; those are bundled and evaluated at startup, and must be harmless
// there (the workerd test proves they are). The decoders the app loads on first
// use through import() (libheif, AVIF, JPEG XL, TIFF, oxipng: 2 MB, most of it
// libheif's inlined WebAssembly) are never reached by the proxy, so each dynamic
// import is replaced by a module that refuses to load: the bundle stays small, and
// should the proxy ever call one, the import rejects with a clear error instead of
// compiling WebAssembly from bytes (which Workers do not allow anyway).
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the Worker. `outfile` defaults to dist-edge/worker.js under the repo.
 * Returns the written file, its size in bytes and the dynamic imports replaced.
 * @param {{ outfile?: string, minify?: boolean }} [options]
 * @returns {Promise<{ outfile: string, bytes: number, stubbed: string[] }>}
 */
export async function buildEdge({ outfile = join(root, 'dist-edge', 'worker.js'), minify = true } = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  const stubbed = new Set();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src/edge/worker.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    // 'browser' resolves packages' browser builds and, like workerd without
    // nodejs_compat, offers no node: modules: a Node import fails the build here.
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'edge-no-lazy-decoders',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind !== 'dynamic-import') return undefined;
            stubbed.add(args.path);
            return { path: args.path, namespace: 'edge-stub' };
          });
          b.onLoad({ filter: /.*/, namespace: 'edge-stub' }, (args) => ({
            contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled into the edge worker`)});`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  const output = result.metafile.outputs[relative(root, outfile).split('\\').join('/')] ?? Object.values(result.metafile.outputs)[0];
  return { outfile, bytes: output?.bytes ?? 0, stubbed: [...stubbed].sort() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { outfile, bytes, stubbed } = await buildEdge();
  console.log(`${relative(root, outfile)}: ${(bytes / 1024).toFixed(0)} KiB`);
  console.log(`not bundled (loaded on first use by the app, never by the proxy): ${stubbed.join(', ')}`);
}
