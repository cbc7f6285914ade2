import * as Comlink from 'comlink';
import type { DecodeRoute } from '../core/decode-route';
import type { ThumbnailOptions } from '../core/options';
import type { ThumbnailWorkerApi, WorkerResult } from '../worker/protocol';

/**
 * A fixed-size pool of module workers driven with Comlink.
 *
 * - At most `size` jobs run at once; the rest wait in FIFO order, so a batch of
 *   100 files never has more than one job per worker in flight.
 * - A worker is replaced (terminated and re-created) after any failed image
 *   (a WASM abort or a leaking decoder), after a job that timed out, and after a
 *   very large image: WASM memory never shrinks, so a worker that decoded 24 MP
 *   keeps ~850 MB (DESIGN.md §3).
 */
export interface PoolOptions {
  size: number;
  /** A job taking longer than this is abandoned and its worker killed. */
  jobTimeoutMs: number;
  /** After an image that made the worker hold at least this many pixels at once, it is recycled. */
  recycleAfterPixels: number;
  /** Which decoders the workers may use (core/decode-route.ts). */
  decodeRoute: DecodeRoute;
  createWorker: () => Worker;
}

interface Slot {
  worker: Worker;
  api: Comlink.Remote<ThumbnailWorkerApi>;
  /** Rejects when the worker reports an uncaught error (e.g. failed to load). */
  died: Promise<never>;
  /** Set by that error: a worker that failed while idle is replaced before its next job. */
  broken: boolean;
}

interface Waiting {
  resolve: (slot: Slot) => void;
}

/** What a cancelled job returns (the person pressed Cancel; its worker, if it had one, was replaced). */
export const CANCELLED = { code: 'cancelled', message: 'Cancelled.' } as const;

export const DEFAULT_POOL_SIZE = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);

/**
 * Workers start one at a time: each is created once the one before it has answered
 * its first message (or died, or this long has passed). WebKitGTK 2.50, Safari's
 * engine, gives a module worker started at the same moment as another of the same
 * script no service worker: offline, that worker's codec fetches failed ("Load
 * failed") while its twin's succeeded (tests/engines found it). One message round
 * trip per worker, paid once, in every engine: no user-agent sniffing.
 */
const STARTUP_WAIT_MS = 5_000;

export class WorkerPool {
  private idle: Slot[] = [];
  /** Settles once the most recently created worker has answered (or died, or STARTUP_WAIT_MS passed). */
  private lastStarted: Promise<void> = Promise.resolve();
  private created = 0;
  private queue: Waiting[] = [];
  private readonly opts: PoolOptions;
  private _running = 0;

  constructor(opts: PoolOptions) {
    this.opts = opts;
  }

  get size(): number {
    return this.opts.size;
  }

  /** Jobs currently inside a worker (never more than size). */
  get running(): number {
    return this._running;
  }

  /**
   * Processes one image into one thumbnail per options. Never throws: failures come
   * back as { ok: false }. Aborting the signal ends the job at once: a job still
   * waiting for a worker leaves the queue; a running one has its worker terminated
   * (WASM cannot be interrupted any other way) and a fresh one takes its place.
   */
  async run(bytes: ArrayBuffer, options: ThumbnailOptions[], signal?: AbortSignal): Promise<WorkerResult> {
    if (signal?.aborted) return { ok: false, error: { ...CANCELLED } };
    const slot = await this.acquire(signal);
    if (!slot) return { ok: false, error: { ...CANCELLED } };
    this._running++;
    let healthy = true;
    const aborted = abortPromise(signal);
    try {
      const work = slot.api.process(Comlink.transfer(bytes, [bytes]), options, this.opts.decodeRoute);
      const result: WorkerResult = await this.withTimeout<WorkerResult>(slot, Promise.race([work, aborted.promise]));
      // Any failed image may have left a codec in a bad state: jSquash's PNG decoder
      // leaks its buffers on every failed decode, and a WASM abort leaves module
      // state undefined. Failures are rare; a fresh worker is cheap.
      if (!result.ok) healthy = false;
      // Only pixels decoded into the worker's own (WASM) memory count: the browser's decoder shrinks outside it.
      if (result.ok && Math.max(...result.thumbnails.map((t) => t.peakPixels)) >= this.opts.recycleAfterPixels) healthy = false;
      return result;
    } catch (e) {
      healthy = false;
      return { ok: false, error: e instanceof JobCancelled ? { ...CANCELLED } : failureOf(e) };
    } finally {
      aborted.dispose();
      this._running--;
      if (healthy) this.release(slot);
      else this.replace(slot);
    }
  }

  /** Terminates every worker; queued jobs stay queued and will start new workers. */
  dispose(): void {
    for (const slot of this.idle) slot.worker.terminate();
    this.created -= this.idle.length;
    this.idle = [];
  }

  /** A free worker, or undefined when the signal aborts while waiting for one. */
  private acquire(signal?: AbortSignal): Promise<Slot | undefined> {
    const slot = this.idle.pop();
    if (slot?.broken) {
      slot.worker.terminate();
      return this.spawn();
    }
    if (slot) return Promise.resolve(slot);
    if (this.created < this.opts.size) {
      this.created++;
      return this.spawn();
    }
    return new Promise((resolve) => {
      const waiting: Waiting = {
        resolve: (s) => {
          signal?.removeEventListener('abort', leave);
          resolve(s);
        },
      };
      const leave = () => {
        this.queue = this.queue.filter((w) => w !== waiting);
        resolve(undefined);
      };
      signal?.addEventListener('abort', leave, { once: true });
      this.queue.push(waiting);
    });
  }

  private release(slot: Slot): void {
    const next = this.queue.shift();
    if (next) next.resolve(slot);
    else this.idle.push(slot);
  }

  private replace(slot: Slot): void {
    slot.worker.terminate();
    slot.api[Comlink.releaseProxy]();
    void this.spawn().then((fresh) => this.release(fresh));
  }

  /** A new worker, created after the previous one has started (see STARTUP_WAIT_MS). */
  private async spawn(): Promise<Slot> {
    const previous = this.lastStarted;
    let started = () => {};
    this.lastStarted = new Promise<void>((resolve) => (started = resolve));
    await previous;
    const worker = this.opts.createWorker();
    let markBroken = () => {};
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        markBroken();
        reject(new WorkerDied(event.message || 'the worker failed to start'));
      });
    });
    died.catch(() => {}); // observed only while a job runs
    const slot: Slot = { worker, api: Comlink.wrap<ThumbnailWorkerApi>(worker), died, broken: false };
    markBroken = () => (slot.broken = true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STARTUP_WAIT_MS)));
    void Promise.race([slot.api.ready(), died, waited])
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        started();
      });
    return slot;
  }

  private withTimeout<T>(slot: Slot, work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new JobTimedOut(this.opts.jobTimeoutMs)), this.opts.jobTimeoutMs);
    });
    return Promise.race([work, timeout, slot.died]).finally(() => clearTimeout(timer));
  }
}

/** Rejects when the signal aborts; dispose() stops listening once the job is over. */
function abortPromise(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => {}), dispose: () => {} };
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new JobCancelled());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

class JobCancelled extends Error {}
class WorkerDied extends Error {}
class JobTimedOut extends Error {
  constructor(readonly ms: number) {
    super(`took longer than ${Math.round(ms / 1000)} s`);
  }
}

function failureOf(e: unknown): { code: 'worker-failed'; message: string } {
  if (e instanceof JobTimedOut) {
    return { code: 'worker-failed', message: `Processing this image ${e.message} and was stopped.` };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return { code: 'worker-failed', message: `The image worker stopped unexpectedly (${detail}).` };
}
