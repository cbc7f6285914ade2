import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { JobInput } from '../client/intake';
import { makeThumbnail, thumbnailPool } from '../client/thumbnailer';

export type JobState = 'queued' | 'working' | 'done' | 'error';

export interface JobResult {
  /** Object URL of the thumbnail, revoked when the job is removed. */
  url: string;
  blob: Blob;
  mimeType: string;
  fileName: string;
  width: number;
  height: number;
  byteLength: number;
  sourceWidth: number;
  sourceHeight: number;
  elapsedMs: number;
  /** Whether the thumbnail came from the result cache. */
  cache: 'hit' | 'miss';
}

export interface Job {
  id: number;
  name: string;
  /** Size of the input in bytes, when known before reading. */
  inputBytes: number | undefined;
  state: JobState;
  options: ThumbnailOptions;
  result?: JobResult;
  error?: ThumbnailErrorData;
  /** Reads the input when the job starts; dropped afterwards. */
  read?: () => Promise<ArrayBuffer>;
  /** For files: what their content hash is remembered by (client/hash-memo.ts). */
  identity?: string;
  /** performance.now() when the item was added (for the benchmark's added-to-shown figure). */
  addedAt: number;
}

let nextId = 1;

/** The list the person sees, in input order, and the runner that works through it. */
class JobList {
  items: Job[] = $state([]);
  /** Jobs started but not finished; bounded by the pool size. */
  private active = 0;

  readonly total = $derived(this.items.length);
  readonly finished = $derived(this.items.filter((j) => j.state === 'done' || j.state === 'error').length);
  readonly failed = $derived(this.items.filter((j) => j.state === 'error').length);
  readonly busy = $derived(this.finished < this.total);

  /** Adds inputs in order; each becomes one item. Inputs that failed already (a bad paste) show their error. */
  add(inputs: JobInput[], options: ThumbnailOptions): void {
    for (const input of inputs) {
      if ('error' in input) {
        this.items.push({ id: nextId++, name: input.name, inputBytes: undefined, state: 'error', options, error: input.error, addedAt: performance.now() });
      } else {
        this.items.push({ id: nextId++, name: input.name, inputBytes: input.size, state: 'queued', options, read: input.read, identity: input.identity, addedAt: performance.now() });
      }
    }
    this.pump();
  }

  /** Removes finished items (done or failed); queued and running ones stay. */
  clearFinished(): void {
    for (const job of this.items) if (job.result) URL.revokeObjectURL(job.result.url);
    this.items = this.items.filter((j) => j.state === 'queued' || j.state === 'working');
  }

  /** Starts queued jobs, in order, while there are free workers. */
  private pump(): void {
    const limit = thumbnailPool().size;
    for (const job of this.items) {
      if (this.active >= limit) return;
      if (job.state !== 'queued') continue;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    job.state = 'working';
    const read = job.read!;
    job.read = undefined;
    try {
      const outcome = await makeThumbnail({ read, identity: job.identity }, $state.snapshot(job.options) as ThumbnailOptions);
      if (!outcome.ok) {
        job.error = outcome.error;
        job.state = 'error';
        return;
      }
      job.inputBytes ??= outcome.inputBytes;
      const blob = new Blob([outcome.bytes], { type: outcome.mimeType });
      job.result = {
        url: URL.createObjectURL(blob),
        blob,
        mimeType: outcome.mimeType,
        fileName: thumbnailFileName(job.name, outcome.width, outcome.height, outcome.extension),
        width: outcome.width,
        height: outcome.height,
        byteLength: outcome.bytes.byteLength,
        sourceWidth: outcome.sourceWidth,
        sourceHeight: outcome.sourceHeight,
        elapsedMs: outcome.elapsedMs,
        cache: outcome.cache,
      };
      job.state = 'done';
    } catch (e) {
      // Whatever went wrong, the item must end: a job stuck in 'working' stalls the batch.
      job.error = { code: 'worker-failed', message: `Something went wrong with this image: ${e instanceof Error ? e.message : String(e)}.` };
      job.state = 'error';
    }
  }
}

/** 'holiday.photo.JPG' at 256x192 as WebP -> 'holiday.photo-256x192.webp'. */
export function thumbnailFileName(inputName: string, width: number, height: number, extension: string): string {
  const base = inputName.replace(/\.[a-z0-9]{1,5}$/i, '') || 'image';
  return `${base}-${width}x${height}.${extension}`;
}

export const jobs = new JobList();
