/**
 * Hands the jSquash codecs their compiled WebAssembly in Node.
 *
 * In the browser each jSquash module fetches its own .wasm beside it; Node has no
 * fetch for file URLs, so the command-line tool, the tests and the benchmarks call
 * `await provideNodeWasm()` once before the first decode. The files are the ones
 * each codec lists (Codec.wasm, gathered by the registry) and the resizer's.
 * Compiling all of them takes a few hundred ms, so it is memoised.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { wasmPaths } from '../core/codecs/registry';
import { provideWasmModules } from '../core/codecs/wasm';
import { RESIZE_WASM } from '../core/resize';

const require = createRequire(import.meta.url);

let provided: Promise<void> | undefined;

async function compileFromNodeModules(specifier: string): Promise<WebAssembly.Module> {
  // The packages have no "exports" map, so require.resolve reaches any file in them.
  return WebAssembly.compile(await readFile(require.resolve(specifier)));
}

async function compileAll(): Promise<void> {
  const paths = { ...wasmPaths(), ...RESIZE_WASM };
  const entries = await Promise.all(Object.entries(paths).map(async ([key, specifier]) => [key, await compileFromNodeModules(specifier)] as const));
  provideWasmModules(Object.fromEntries(entries));
}

/** Compiles every codec's wasm once and registers it with providedWasm(). */
export function provideNodeWasm(): Promise<void> {
  provided ??= compileAll().catch((error: unknown) => {
    provided = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return provided;
}
