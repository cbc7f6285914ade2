/**
 * Hands the jSquash codecs their compiled WebAssembly in Node.
 *
 * In the browser each jSquash module fetches its own .wasm beside it; Node has no
 * fetch for file URLs, so the command-line tool, the tests and the benchmarks call
 * `await provideNodeWasm()` once before the first decode. The files are the ones
 * each codec lists (Codec.wasm, gathered by the registry) and the resizer's.
 * Compiling all of them takes a few hundred ms, so it is memoised; the worker pool
 * (pool.ts) compiles once and hands the compiled modules to every worker it starts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { wasmPaths } from '../core/codecs/registry';
import { provideWasmModules, type WasmModules } from '../core/codecs/wasm';
import { RESIZE_WASM } from '../core/resize';

const require = createRequire(import.meta.url);

let compiled: Promise<WasmModules> | undefined;

async function compileFromNodeModules(specifier: string): Promise<WebAssembly.Module> {
  // The packages have no "exports" map, so require.resolve reaches any file in them.
  return WebAssembly.compile(await readFile(require.resolve(specifier)));
}

async function compileAll(): Promise<WasmModules> {
  const paths = { ...wasmPaths(), ...RESIZE_WASM };
  const entries = await Promise.all(Object.entries(paths).map(async ([key, specifier]) => [key, await compileFromNodeModules(specifier)] as const));
  return Object.fromEntries(entries);
}

/**
 * Every codec's wasm, compiled once per thread. A WebAssembly.Module can be posted
 * to a worker thread without being compiled again, which is how pool.ts starts
 * workers in milliseconds rather than hundreds of them.
 */
export function compileNodeWasm(): Promise<WasmModules> {
  compiled ??= compileAll().catch((error: unknown) => {
    compiled = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return compiled;
}

/** Compiles every codec's wasm once and registers it with providedWasm(). */
export async function provideNodeWasm(): Promise<void> {
  provideWasmModules(await compileNodeWasm());
}
