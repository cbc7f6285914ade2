import type { WasmModules } from '../core/codecs/wasm';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult } from '../worker/protocol';

/**
 * What the Node pool (pool.ts) and its worker threads (thumbnail-worker.ts) say to
 * each other. The result is the browser worker's WorkerResult: one shape for a
 * thumbnail from any worker, in either host.
 */
export interface NodeTask {
  /** The input file, transferred. */
  bytes: ArrayBuffer;
  /** One entry per thumbnail (a size set gives several), already normalised. */
  options: ThumbnailOptions[];
}

export type NodeTaskResult = WorkerResult & {
  /** The worker asks to be replaced: it failed, or held a large image (its WASM memory never shrinks). */
  retire: boolean;
  threadId: number;
};

/** Given to every worker thread when it starts. */
export interface PoolWorkerData {
  /** Every codec's compiled wasm, compiled once by the pool: a worker starts without compiling. */
  wasm: WasmModules;
  /**
   * A worker that must be replaced writes its threadId at [threadId % length]
   * before it answers, so the pool never hands it another job meanwhile.
   */
  retireFlags: SharedArrayBuffer;
  recycleAfterPixels: number;
}

export function retireSlot(flags: Int32Array, threadId: number): number {
  return threadId % flags.length;
}
