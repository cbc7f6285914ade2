/**
 * Where the jSquash codecs get their compiled WebAssembly.
 *
 * In the browser (a worker) nothing needs providing: each jSquash module fetches
 * its own .wasm beside it (Vite rewrites those URLs at build time). In Node there
 * is no fetch for file URLs, so the caller compiles the .wasm files each codec
 * lists (Codec.wasm) and hands them over here before the first decode
 * (src/node/wasm.ts does it).
 */
export type WasmModules = Record<string, WebAssembly.Module>;

let provided: WasmModules = {};

export function provideWasmModules(modules: WasmModules): void {
  provided = { ...provided, ...modules };
}

/** The module registered under a codec's key; undefined in the browser, where jSquash fetches its own. */
export function providedWasm(key: string): WebAssembly.Module | undefined {
  return provided[key];
}
