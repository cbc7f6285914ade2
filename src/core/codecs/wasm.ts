/**
 * Where the jSquash codecs get their compiled WebAssembly.
 *
 * In the browser (a worker) nothing needs providing: each jSquash module fetches
 * its own .wasm beside it (Vite rewrites those URLs at build time). In Node there
 * is no fetch for file URLs, so the caller compiles the .wasm files and hands them
 * over here before the first decode (see tests/support/wasm-node.ts).
 */
export interface WasmModules {
  jpegDecode?: WebAssembly.Module;
  jpegEncode?: WebAssembly.Module;
  png?: WebAssembly.Module;
  webpDecode?: WebAssembly.Module;
  /** The SIMD build when the runtime has WASM SIMD (Node 20 and Chromium do). */
  webpEncode?: WebAssembly.Module;
  resize?: WebAssembly.Module;
}

let provided: WasmModules = {};

export function provideWasmModules(modules: WasmModules): void {
  provided = { ...provided, ...modules };
}

export function providedWasm(): Readonly<WasmModules> {
  return provided;
}
