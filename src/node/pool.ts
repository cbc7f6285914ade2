/**
 * The core's worker pool in Node: worker_threads through Piscina, one job per
 * thread, used by the command-line tool and the old API's route.
 *
 * What it adds to Piscina, and why:
 * - A thread is replaced after any image that failed once a decoder had run, and
 *   after a large one. WASM memory never shrinks, and jSquash's PNG decoder leaks
 *   ~4-6 MB on every failed decode: after 633 failures one process held 4.2 GB and
 *   then failed every PNG. (A file refused from its header alone ran no decoder and
 *   keeps its thread: replacing one costs ~250 ms, bench/node-pool.bench.ts.) The
 *   worker itself decides (it knows the outcome first) and flags itself in shared
 *   memory before it answers, so the balancer below never hands it another job in
 *   the moment before the pool terminates it.
 * - The codecs' wasm is compiled once here and posted to each thread (a
 *   WebAssembly.Module is shared, not copied), so a replacement does not compile
 *   it again (hundreds of ms saved per restart).
 * - A bounded queue: beyond `size + maxQueue` jobs, run() throws PoolBusy at once
 *   (the server answers 503), instead of holding every waiting input in memory.
 * - A per-job timeout: an aborted job's thread is terminated by Piscina.
 * run() never rejects for a bad image: failures come back as { ok: false }.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult } from '../worker/protocol';
import { compileNodeWasm } from './wasm';
import { retireSlot, type NodeTask, type NodeTaskResult, type PoolWorkerData } from './worker-protocol';

export interface NodePoolOptions {
  /** Threads; default: one per core. */
  size?: number;
  /** Jobs that may wait for a thread; beyond that run() throws PoolBusy. Default: unbounded. */
  maxQueue?: number;
  /** A job not done this long after run() was called (waiting included) is stopped; if it was running, its thread is replaced. */
  jobTimeoutMs?: number;
  /** A thread that held this many pixels at once is replaced (as the browser's pool does). */
  recycleAfterPixels?: number;
  /** The worker script; default: the built one beside this module, or the TypeScript source through tsx. */
  workerFile?: URL;
}

export const DEFAULT_NODE_POOL = {
  size: availableParallelism(),
  maxQueue: Infinity,
  jobTimeoutMs: 120_000,
  recycleAfterPixels: 16_000_000,
} as const;

/** Thrown by run() when every thread is busy and the queue is full. */
export class PoolBusy extends Error {
  constructor() {
    super('Every worker is busy and the queue is full.');
    this.name = 'PoolBusy';
  }
}

/**
 * From the sources (tsx, Vitest) this module is pool.ts and the worker is booted
 * through tsx. Bundled, the worker sits beside the file holding this code, with its
 * extension: dist-server/thumbnail-worker.js (vite.config.ts, the ssr build), or
 * thumbnail-worker.mjs in the command-line tool's bundle (bin/thumbnail-generator.mjs).
 */
function defaultWorkerFile(): URL {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(import.meta.url).pathname)?.[0] ?? '.js';
  return extension === '.ts' ? new URL('./worker-boot.mjs', import.meta.url) : new URL(`./thumbnail-worker${extension}`, import.meta.url);
}

export class NodeThumbnailPool {
  readonly size: number;
  private readonly opts: Required<Omit<NodePoolOptions, 'workerFile'>> & { workerFile: URL };
  private readonly retireFlags = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * 256));
  private piscina: Promise<Piscina<NodeTask, NodeTaskResult>> | undefined;
  private pending = 0;
  private _recycled = 0;

  constructor(options: NodePoolOptions = {}) {
    this.opts = { ...DEFAULT_NODE_POOL, workerFile: defaultWorkerFile(), ...definedOnly(options) };
    this.size = Math.max(1, Math.floor(this.opts.size));
  }

  /** Jobs running or waiting. */
  get load(): number {
    return this.pending;
  }

  /** Threads replaced so far (after failed decodes, large images, timeouts). */
  get recycled(): number {
    return this._recycled;
  }

  /** Starts the threads now rather than on the first job (a server does this at start-up). */
  async warm(): Promise<void> {
    await this.start();
  }

  /**
   * One image into one thumbnail per options, on a worker thread. The bytes are
   * transferred (the caller's buffer is emptied). Throws PoolBusy when the queue is
   * full; every other failure is { ok: false }.
   */
  async run(bytes: Uint8Array, options: ThumbnailOptions[], signal?: AbortSignal): Promise<WorkerResult> {
    if (this.pending >= this.size + this.opts.maxQueue) throw new PoolBusy();
    this.pending++;
    try {
      let piscina: Piscina<NodeTask, NodeTaskResult>;
      try {
        piscina = await this.start();
      } catch (e) {
        this.piscina = undefined; // the next job tries again
        const detail = e instanceof Error ? e.message : String(e);
        return { ok: false, error: { code: 'codec-unavailable', message: 'The image codecs could not be loaded.', detail } };
      }
      const buffer = ownBuffer(bytes);
      const timeout = AbortSignal.timeout(this.opts.jobTimeoutMs);
      const result = await piscina
        .run({ bytes: buffer, options } satisfies NodeTask, { transferList: [buffer], signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
        .catch((e: unknown): NodeTaskResult => {
          this._recycled++; // Piscina replaces a thread whose job was aborted or which died
          return { ok: false, error: failure(e, signal, timeout, this.opts.jobTimeoutMs), retire: false, threadId: -1 };
        });
      if (result.retire) this.retire(piscina, result.threadId);
      const { retire: _r, threadId: _t, ...workerResult } = result;
      return workerResult as WorkerResult;
    } finally {
      this.pending--;
    }
  }

  async close(): Promise<void> {
    const piscina = this.piscina;
    this.piscina = undefined;
    if (piscina) await (await piscina).destroy();
  }

  private start(): Promise<Piscina<NodeTask, NodeTaskResult>> {
    this.piscina ??= compileNodeWasm().then((wasm) => {
      const workerData: PoolWorkerData = { wasm, retireFlags: this.retireFlags.buffer as SharedArrayBuffer, recycleAfterPixels: this.opts.recycleAfterPixels };
      return new Piscina<NodeTask, NodeTaskResult>({
        filename: this.opts.workerFile.href,
        minThreads: this.size,
        maxThreads: this.size,
        concurrentTasksPerWorker: 1,
        idleTimeout: Infinity,
        workerData,
        // One job per thread, and never to a thread that has flagged itself for replacement.
        loadBalancer: (_task, workers) => workers.find((w) => w.currentUsage === 0 && !this.isRetiring(w.id)) ?? null,
      });
    });
    return this.piscina;
  }

  private isRetiring(threadId: number): boolean {
    return Atomics.load(this.retireFlags, retireSlot(this.retireFlags, threadId)) === threadId;
  }

  /** Piscina sees the thread exit with no job in hand, drops it and starts another (minThreads). */
  private retire(piscina: Piscina, threadId: number): void {
    const thread = piscina.threads.find((t) => t.threadId === threadId);
    if (!thread) return;
    this._recycled++;
    void thread.terminate();
  }
}

/** The input as a whole ArrayBuffer of its own, safe to transfer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  // A Node Buffer shares its pool's memory: transferring that would empty other Buffers.
  return whole && bytes.constructor === Uint8Array ? (bytes.buffer as ArrayBuffer) : new Uint8Array(bytes).buffer;
}

function failure(e: unknown, signal: AbortSignal | undefined, timeout: AbortSignal, timeoutMs: number): ThumbnailErrorData {
  if (signal?.aborted) return { code: 'cancelled', message: 'Cancelled.' };
  if (timeout.aborted) return { code: 'worker-failed', message: `This image was not done within ${Math.round(timeoutMs / 1000)} s (waiting for a thread included), so it was stopped.` };
  const detail = e instanceof Error ? e.message : String(e);
  return { code: 'worker-failed', message: 'The worker processing this image stopped unexpectedly.', detail };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
