/**
 * Hands the jSquash codecs their compiled WebAssembly in Node.
 *
 * In the browser each jSquash module fetches its own .wasm beside it; Node has no
 * fetch for file URLs, so tests (and benchmarks, a future CLI) call
 * `await provideNodeWasm()` once before the first decode. Compiling takes ~100 ms
 * for all six modules, so the work is memoised: every test file may call it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { provideWasmModules, type WasmModules } from '../../src/core/codecs/wasm';

const require = createRequire(import.meta.url);

/** Where each module's .wasm lives inside node_modules (paths as the packages ship them). */
const WASM_PATHS: Record<keyof Required<WasmModules>, string> = {
  jpegDecode: '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  jpegEncode: '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm',
  png: '@jsquash/png/codec/pkg/squoosh_png_bg.wasm',
  webpDecode: '@jsquash/webp/codec/dec/webp_dec.wasm',
  // Node 20 has WASM SIMD, and @jsquash/webp's encoder picks its SIMD glue code
  // there (wasm-feature-detect), so the SIMD binary is the one whose imports match.
  webpEncode: '@jsquash/webp/codec/enc/webp_enc_simd.wasm',
  resize: '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm',
};

let provided: Promise<void> | undefined;

async function compileFromNodeModules(specifier: string): Promise<WebAssembly.Module> {
  // The packages have no "exports" map, so require.resolve reaches any file in them.
  const path = require.resolve(specifier);
  return WebAssembly.compile(await readFile(path));
}

async function compileAll(): Promise<void> {
  const entries = await Promise.all(
    Object.entries(WASM_PATHS).map(async ([name, specifier]) => [name, await compileFromNodeModules(specifier)] as const),
  );
  provideWasmModules(Object.fromEntries(entries) as WasmModules);
}

/** Compiles every codec's wasm once and registers it with providedWasm(). */
export function provideNodeWasm(): Promise<void> {
  provided ??= compileAll().catch((error: unknown) => {
    provided = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return provided;
}
