/**
 * One worker thread of the Node pool (pool.ts): the core pipeline on our own WASM
 * decoders (the route the browser calls `core`), nothing more. It is the Node
 * twin of src/worker/thumbnail.worker.ts.
 */
import { threadId, workerData } from 'node:worker_threads';
import { toArrayBuffer } from '../core/codecs/codec';
import { provideWasmModules } from '../core/codecs/wasm';
import { toErrorData } from '../core/errors';
import { generateThumbnails, probeWithinLimit } from '../core/pipeline';
import { sniffFormat } from '../core/codecs/registry';
import type { WorkerResult } from '../worker/protocol';
import { retireSlot, type NodeTask, type NodeTaskResult, type PoolWorkerData } from './worker-protocol';

const data = workerData as PoolWorkerData;
provideWasmModules(data.wasm);
const retireFlags = new Int32Array(data.retireFlags);

export default async function makeThumbnails({ bytes, options }: NodeTask): Promise<NodeTaskResult> {
  const started = performance.now();
  let result: WorkerResult;
  try {
    const made = await generateThumbnails(new Uint8Array(bytes), options);
    const thumbnails = made.map(({ bytes: encoded, format: _format, ...rest }) => ({ ...rest, bytes: toArrayBuffer(encoded) }));
    result = { ok: true, thumbnails, elapsedMs: performance.now() - started };
  } catch (e) {
    result = { ok: false, error: toErrorData(e) };
  }
  // A failure once a decoder has run may have left its memory leaked or its state
  // undefined (jSquash's PNG decoder keeps ~4 MB per failed decode), and WASM memory
  // never shrinks after a large image: either way this thread is replaced once it has
  // answered. A file refused from its header alone (not an image, over the pixel
  // limit, a damaged header) ran no decoder, and replacing the thread would only cost
  // a quarter of a second.
  const retire = result.ok ? Math.max(0, ...result.thumbnails.map((t) => t.peakPixels)) >= data.recycleAfterPixels : decoderRan(new Uint8Array(bytes), options);
  if (retire) Atomics.store(retireFlags, retireSlot(retireFlags, threadId), threadId);
  return { ...result, retire, threadId };
}

/** Whether the pipeline got past the header (sniff and probe, plain TypeScript) to a decoder. */
function decoderRan(bytes: Uint8Array, options: NodeTask['options']): boolean {
  try {
    probeWithinLimit(sniffFormat(bytes), bytes, Math.min(...options.map((o) => o.maxPixels)));
    return true;
  } catch {
    return false;
  }
}
