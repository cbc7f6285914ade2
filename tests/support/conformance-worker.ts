/**
 * One conformance job per message, in a worker thread, so that a file that hangs
 * or crashes the codec can be killed without taking the whole run down.
 * Started by tests/unit/conformance.test.ts with tsx as the loader.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { encodePlain, pngCodec } from '../../src/core/codecs/png';
import { toErrorData } from '../../src/core/errors';
import { generateThumbnail } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';

export interface ConformanceJob {
  id: number;
  path: string;
}

export type ConformanceOutcome =
  | {
      id: number;
      ok: true;
      width: number;
      height: number;
      sourceWidth: number;
      sourceHeight: number;
      ms: number;
      inputBytes: number;
      outputBytes: number;
      /** The same pixels through the plain encoder (PNG without oxipng); for other formats our encode is the plain one. */
      plainBytes: number;
      keptOriginal: boolean;
    }
  | { id: number; ok: false; code: string; message: string; ms: number };

const ready = provideNodeWasm();

parentPort!.on('message', async (job: ConformanceJob) => {
  await ready;
  const started = performance.now();
  let outcome: ConformanceOutcome;
  try {
    const input = new Uint8Array(readFileSync(job.path));
    const thumb = await generateThumbnail(input, {});
    const plainBytes = thumb.format === 'png' ? (await encodePlain(await pngCodec.decode(thumb.bytes))).length : thumb.bytes.length;
    outcome = {
      id: job.id,
      ok: true,
      width: thumb.width,
      height: thumb.height,
      sourceWidth: thumb.source.width,
      sourceHeight: thumb.source.height,
      ms: performance.now() - started,
      inputBytes: input.length,
      outputBytes: thumb.bytes.length,
      plainBytes,
      keptOriginal: thumb.keptOriginal,
    };
  } catch (e) {
    const err = toErrorData(e);
    outcome = { id: job.id, ok: false, code: err.code, message: err.message, ms: performance.now() - started };
  }
  parentPort!.postMessage(outcome);
});
