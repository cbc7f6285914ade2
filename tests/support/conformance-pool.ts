import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ConformanceJob, ConformanceOutcome } from './conformance-worker';

const BOOT = fileURLToPath(new URL('./ts-worker-boot.mjs', import.meta.url));
const ENTRY = new URL('./conformance-worker.ts', import.meta.url).href;

export type PoolOutcome = ConformanceOutcome | { id: number; ok: false; code: 'hang' | 'crash'; message: string; ms: number };

/**
 * Runs conformance jobs on `size` worker threads. A job over `timeoutMs`, or a
 * worker that dies, yields a 'hang' / 'crash' outcome and a fresh worker.
 */
export class ConformancePool {
  private workers: Worker[] = [];
  constructor(private readonly size: number, private readonly timeoutMs: number) {}

  async runAll(paths: string[], onResult: (path: string, outcome: PoolOutcome) => void): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.size, paths.length) }, async () => {
      let worker = this.spawn();
      while (next < paths.length) {
        const id = next++;
        const { outcome, alive } = await this.runOne(worker, { id, path: paths[id]! });
        onResult(paths[id]!, outcome);
        if (!alive) {
          await worker.terminate();
          worker = this.spawn();
        }
      }
      await worker.terminate();
    });
    await Promise.all(lanes);
  }

  private spawn(): Worker {
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, resourceLimits: { maxOldGenerationSizeMb: 4096 } });
    this.workers.push(worker);
    return worker;
  }

  private runOne(worker: Worker, job: ConformanceJob): Promise<{ outcome: PoolOutcome; alive: boolean }> {
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (outcome: PoolOutcome, alive: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve({ outcome, alive });
      };
      const onMessage = (o: ConformanceOutcome) => done(o, true);
      const onError = (e: Error) => done({ id: job.id, ok: false, code: 'crash', message: e.message, ms: performance.now() - started }, false);
      const onExit = (c: number) => done({ id: job.id, ok: false, code: 'crash', message: `worker exited with ${c}`, ms: performance.now() - started }, false);
      const timer = setTimeout(
        () => done({ id: job.id, ok: false, code: 'hang', message: `no answer within ${this.timeoutMs} ms`, ms: this.timeoutMs }, false),
        this.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(job);
    });
  }
}
