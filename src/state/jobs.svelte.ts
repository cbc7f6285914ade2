import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import { normaliseSettings, outputOptions, type BatchSettings } from '../core/settings';
import type { JobInput, JobSource } from '../client/intake';
import { JobStore, type SavedJob, type SavedThumbnail } from '../client/job-store';
import { makeThumbnails, thumbnailCache, thumbnailPool, type MadeThumbnail } from '../client/thumbnailer';
import { yieldToBrowser } from '../client/yield';

/**
 * The list the person sees, in input order, and the runner that works through it.
 *
 * An item keeps its input (a File handle, pasted bytes, a URL), so it can be
 * redone: when the settings change, finished items are queued again with the new
 * settings and keep showing their old thumbnails until the new ones arrive.
 * Everything that ends a run (done, failed, cancelled, removed, redone) goes
 * through here, so no item can stay 'working'.
 */
export type JobState = 'queued' | 'working' | 'done' | 'error' | 'cancelled';

/** One thumbnail of an item (a size set gives several), ready to show and download. */
export interface JobThumbnail extends SavedThumbnail {
  /** Object URL of the thumbnail, revoked when the item goes or is redone. */
  url: string;
  blob: Blob;
  options: ThumbnailOptions;
}

export interface Job {
  readonly id: number;
  name: string;
  /** Size of the input in bytes, when known. */
  inputBytes: number | undefined;
  state: JobState;
  /** The settings its thumbnails were made with (or its last attempt's). */
  settings: BatchSettings;
  /** While queued or working: the settings it is being made with. */
  target?: BatchSettings;
  /** Smallest first; kept while the item is redone. */
  thumbnails: JobThumbnail[];
  /** The original's displayed size (after EXIF orientation). */
  sourceSize?: { width: number; height: number };
  error?: ThumbnailErrorData;
  /** Absent for an item restored after a reload, or a paste that was not an image. */
  input?: JobSource;
  contentHash?: string;
  elapsedMs?: number;
  /** Whether the thumbnails came from the result cache. */
  cache?: 'hit' | 'miss';
  /** Said on the card when its thumbnails are not what the current settings would make, or where they came from. */
  note?: string;
  /** performance.now() when the item was added (for the benchmark's added-to-shown figure). */
  addedAt: number;
}

/** Items are added this many at a time, each group rendered in its own task, so 1,000 files never block the page. */
const ADD_CHUNK = 50;

const NOT_FINISHED = 'Not finished before the page was closed: add the file again.';
const EVICTED = 'This thumbnail is no longer in the cache: add the file again.';
const INPUT_GONE = 'Made with earlier settings. The original is not kept after a reload: add the file again to redo it.';

let nextId = 1;

/** What makes two settings give the same thumbnails (the name pattern only renames them). */
function settingsKey(s: BatchSettings): string {
  const { namePattern: _names, ...rest } = s;
  return JSON.stringify(rest);
}

class JobList {
  items: Job[] = $state([]);
  /** The current batch, for the time-left estimate: when it started and how many items it has settled. */
  batch = $state({ startedAt: 0, settled: 0 });
  private controllers = new Map<number, AbortController>();
  private active = 0;
  private store = new JobStore();

  readonly counts = $derived.by(() => {
    const c = { total: this.items.length, done: 0, failed: 0, cancelled: 0, queued: 0, working: 0 };
    for (const job of this.items) {
      if (job.state === 'done') c.done++;
      else if (job.state === 'error') c.failed++;
      else if (job.state === 'cancelled') c.cancelled++;
      else if (job.state === 'queued') c.queued++;
      else c.working++;
    }
    return { ...c, settled: c.done + c.failed + c.cancelled, busy: c.queued + c.working > 0 };
  });

  /** Adds inputs in order; each becomes one item. Inputs that failed already (a bad paste) show their error. */
  async add(inputs: JobInput[], settings: BatchSettings): Promise<void> {
    const made: Job[] = inputs.map((input) => {
      const base = { id: nextId++, name: input.name, settings, thumbnails: [], addedAt: performance.now() };
      return 'error' in input
        ? { ...base, inputBytes: undefined, state: 'error', error: input.error }
        : { ...base, inputBytes: input.size, state: 'queued', target: settings, input: input.source };
    });
    for (let i = 0; i < made.length; i += ADD_CHUNK) {
      if (i > 0) await yieldToBrowser();
      this.items.push(...made.slice(i, i + ADD_CHUNK));
      this.pump();
    }
    this.persist();
  }

  /** Stops one queued or running item (a running one's worker is replaced at once). */
  cancel(job: Job): void {
    if (job.state !== 'queued' && job.state !== 'working') return;
    this.abort(job);
    job.target = undefined;
    if (job.thumbnails.length) {
      // A redo was stopped: the earlier thumbnails are still good for the earlier settings.
      job.state = 'done';
      job.note = 'Not redone with the new settings: cancelled.';
    } else {
      job.state = 'cancelled';
      job.error = undefined;
    }
    this.settled();
  }

  /** Stops everything queued and running. */
  cancelAll(): void {
    for (const job of this.items) this.cancel(job);
  }

  remove(job: Job): void {
    this.abort(job);
    revoke(job);
    const at = this.items.indexOf(job);
    if (at >= 0) this.items.splice(at, 1);
    this.settled();
  }

  /** Empties the list, stopping whatever runs. The thumbnails stay in the result cache. */
  clear(): void {
    for (const job of this.items) {
      this.abort(job);
      revoke(job);
    }
    this.items = [];
    this.settled();
  }

  canRetry(job: Job): boolean {
    return (job.state === 'error' || job.state === 'cancelled') && job.input !== undefined;
  }

  retry(job: Job, settings: BatchSettings): void {
    if (!this.canRetry(job)) return;
    this.queue(job, settings);
    this.pump();
  }

  retryFailed(settings: BatchSettings): void {
    for (const job of this.items) if (job.state === 'error' && job.input) this.queue(job, settings);
    this.pump();
  }

  /**
   * Redoes, in place and in list order, every item not made with these settings:
   * finished and failed items are queued again, queued ones take the new settings,
   * running ones with old settings are stopped and queued. Cancelled items stay
   * cancelled (the person stopped them). Items restored after a reload have no
   * input, but the cache may still hold their thumbnails for these settings.
   */
  reapply(settings: BatchSettings): void {
    const want = settingsKey(settings);
    for (const job of this.items) {
      if (!job.input && !job.contentHash) continue; // a paste that was not an image: nothing to redo
      if (job.state === 'queued') job.target = settings;
      else if (job.state === 'working' && settingsKey(job.target!) !== want) {
        this.abort(job);
        this.queue(job, settings);
      } else if ((job.state === 'done' || (job.state === 'error' && job.input)) && settingsKey(job.settings) !== want) {
        this.queue(job, settings);
      }
    }
    this.pump();
  }

  /** Rebuilds the list saved by the last visit from the result cache, ahead of anything added since. */
  async restore(): Promise<void> {
    const saved = await this.store.load();
    if (saved.length === 0) return;
    await thumbnailCache.open();
    const restored = await Promise.all(saved.map(restoreJob));
    for (let i = 0; i < restored.length; i += ADD_CHUNK) {
      if (i > 0) await yieldToBrowser();
      this.items.splice(i, 0, ...restored.slice(i, i + ADD_CHUNK));
    }
    this.persist();
  }

  private queue(job: Job, settings: BatchSettings): void {
    job.target = settings;
    job.state = 'queued';
    job.error = undefined;
    job.note = undefined;
    this.startBatchClock();
  }

  private abort(job: Job): void {
    const controller = this.controllers.get(job.id);
    if (!controller) return;
    this.controllers.delete(job.id);
    controller.abort();
  }

  private startBatchClock(): void {
    if (this.counts.busy) return;
    this.batch = { startedAt: performance.now(), settled: 0 };
  }

  /** Starts queued jobs, in order, while there are free workers. */
  private pump(): void {
    const limit = thumbnailPool().size;
    if (this.active >= limit) return;
    if (this.batch.startedAt === 0) this.batch = { startedAt: performance.now(), settled: 0 };
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
    const target = job.target!;
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    job.state = 'working';
    const input = job.input;
    const current = () => this.controllers.get(job.id) === controller;
    try {
      const outcome = await makeThumbnails(
        {
          read: input ? input.read : () => Promise.reject(new Error('input gone')),
          identity: input?.identity,
          // Restored items have no input; their content hash may still find the new settings in the cache.
          contentHash: input ? undefined : job.contentHash,
        },
        outputOptions(target),
        controller.signal,
      );
      if (!current()) return; // cancelled, removed or redone meanwhile: a newer state stands
      this.controllers.delete(job.id);
      job.target = undefined;
      if (outcome.ok) {
        revoke(job);
        const options = outputOptions(target);
        job.thumbnails = outcome.thumbnails.map((t, i) => toJobThumbnail(t, options[i]!));
        job.settings = target;
        job.inputBytes ??= outcome.inputBytes;
        job.contentHash = outcome.contentHash ?? job.contentHash;
        job.sourceSize = { width: outcome.thumbnails[0]!.source.width, height: outcome.thumbnails[0]!.source.height };
        job.elapsedMs = outcome.elapsedMs;
        job.cache = outcome.cache;
        job.note = undefined;
        job.state = 'done';
      } else if (!input && job.thumbnails.length) {
        job.state = 'done';
        job.note = INPUT_GONE;
      } else {
        revoke(job);
        job.thumbnails = [];
        job.settings = target;
        job.error = outcome.error;
        job.state = outcome.error.code === 'cancelled' ? 'cancelled' : 'error';
      }
    } catch (e) {
      // Whatever went wrong, the item must end: a job stuck in 'working' stalls the batch.
      if (!current()) return;
      this.controllers.delete(job.id);
      job.target = undefined;
      job.error = { code: 'worker-failed', message: 'Something went wrong with this image.', detail: e instanceof Error ? e.message : String(e) };
      job.state = 'error';
    }
    this.settled();
  }

  /** After any item ends: count it for the time-left estimate and save the list soon. */
  private settled(): void {
    this.batch.settled++;
    if (!this.counts.busy) this.batch = { startedAt: 0, settled: 0 };
    this.persist();
  }

  private persist(): void {
    this.store.saveSoon(() => this.items.map(toSaved));
  }
}

function toJobThumbnail(t: MadeThumbnail, options: ThumbnailOptions): JobThumbnail {
  const blob = new Blob([t.bytes], { type: t.mimeType });
  return {
    url: URL.createObjectURL(blob),
    blob,
    options,
    cacheKey: t.cacheKey ?? '',
    width: t.width,
    height: t.height,
    mimeType: t.mimeType,
    extension: t.extension,
    byteLength: t.bytes.byteLength,
    hasAlpha: t.hasAlpha,
  };
}

function revoke(job: Job): void {
  for (const t of job.thumbnails) URL.revokeObjectURL(t.url);
}

/** A plain record of an item: no proxies, blobs or functions (IndexedDB clones it). */
function toSaved(job: Job): SavedJob {
  return {
    name: job.name,
    state: job.state,
    settings: $state.snapshot(job.settings) as BatchSettings,
    thumbnails: job.thumbnails.map(({ cacheKey, width, height, mimeType, extension, byteLength, hasAlpha }) => ({ cacheKey, width, height, mimeType, extension, byteLength, hasAlpha })),
    inputBytes: job.inputBytes,
    contentHash: job.contentHash,
    sourceSize: job.sourceSize && { ...job.sourceSize },
    error: job.error && { ...job.error },
  };
}

async function restoreJob(saved: SavedJob): Promise<Job> {
  let settings: BatchSettings;
  try {
    settings = normaliseSettings(saved.settings);
  } catch {
    return { id: nextId++, name: saved.name, inputBytes: saved.inputBytes, state: 'cancelled', settings: normaliseSettings(), thumbnails: [], addedAt: performance.now(), error: { code: 'cancelled', message: NOT_FINISHED } };
  }
  const job: Job = {
    id: nextId++,
    name: saved.name,
    inputBytes: saved.inputBytes,
    state: 'cancelled',
    settings,
    thumbnails: [],
    sourceSize: saved.sourceSize,
    contentHash: saved.contentHash,
    addedAt: performance.now(),
  };
  if (saved.state === 'error') return { ...job, state: 'error', error: saved.error };
  if (saved.state !== 'done') return { ...job, error: { code: 'cancelled', message: NOT_FINISHED } };
  const cached = await Promise.all(saved.thumbnails.map((t) => (t.cacheKey ? thumbnailCache.get(t.cacheKey) : undefined)));
  if (cached.length === 0 || !cached.every(Boolean)) return { ...job, error: { code: 'cancelled', message: EVICTED } };
  const options = outputOptions(settings);
  const thumbnails = cached.map((c, i) => toJobThumbnail({ ...c!, cacheKey: saved.thumbnails[i]!.cacheKey }, options[i]!));
  return { ...job, state: 'done', thumbnails, cache: 'hit', note: 'From your last visit.' };
}

export const jobs = new JobList();
