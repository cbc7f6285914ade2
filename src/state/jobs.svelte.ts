import type { DecoderName } from '../core/decode-route';
import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import { normaliseSettings, outputOptions, type BatchSettings } from '../core/settings';
import type { JobInput, JobSource } from '../client/intake';
import { JobStore, type SavedJob, type SavedThumbnail } from '../client/job-store';
import { makeThumbnails, thumbnailCache, thumbnailPool, type MadeThumbnail } from '../client/thumbnailer';
import { yieldToBrowser } from '../client/yield';
import { FileNames } from './file-names';

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
  /** Its download name, unique in the list (state/file-names.ts). */
  fileName: string;
}

/**
 * One item. A class with rune fields rather than a plain object in a deep $state
 * list: each field is its own signal, values such as settings and thumbnails are
 * replaced whole (never proxied), and a change to one item touches only its card.
 */
export class Job {
  readonly id: number;
  readonly name: string;
  readonly addedAt = performance.now();
  /** Absent for an item restored after a reload, or a paste that was not an image. */
  readonly input: JobSource | undefined;
  state: JobState = $state('queued');
  /** The settings its thumbnails were made with (or its last attempt's). */
  settings: BatchSettings = $state.raw(normaliseSettings());
  /** While queued or working: the settings it is being made with. */
  target: BatchSettings | undefined = $state.raw();
  /** Smallest first; kept while the item is redone. */
  thumbnails: JobThumbnail[] = $state.raw([]);
  /** Size of the input in bytes, when known. */
  inputBytes: number | undefined = $state();
  /** The original's displayed size (after EXIF orientation). */
  sourceSize: { width: number; height: number } | undefined = $state.raw();
  error: ThumbnailErrorData | undefined = $state.raw();
  /** Said on the card when its thumbnails are not what the current settings would make, or where they came from. */
  note: string | undefined = $state();
  elapsedMs: number | undefined = $state();
  /** Whether the thumbnails came from the result cache. */
  cache: 'hit' | 'miss' | undefined = $state();
  /** Which decoder made the pixels (core/decode-route.ts): for tests and the benchmark, as the card's data-decoder. */
  decoder: DecoderName | undefined = $state();
  /** The worker's time per stage (not on a cache hit): in the benchmark's performance measures. */
  stagesMs: { decode: number; resize: number; encode: number } | undefined;
  contentHash: string | undefined;
  /** Its record in the saved list (client/job-store.ts), and its place there. */
  readonly storeKey: string;
  readonly order: number;

  constructor(name: string, input?: JobSource, saved?: { key: string; order: number }) {
    this.id = nextId++;
    this.name = name;
    this.input = input;
    this.order = saved?.order ?? nextOrder();
    this.storeKey = saved?.key ?? `${this.order}-${Math.random().toString(36).slice(2, 8)}`;
  }
}

/** Items are added this many at a time, each group rendered in its own task, so 1,000 files never block the page. */
const CHUNK = 25;

const NOT_FINISHED = 'Not finished before the page was closed: add the file again.';
const EVICTED = 'This thumbnail is no longer in the cache: add the file again.';
const INPUT_GONE = 'Made with earlier settings. The original is not kept after a reload: add the file again to redo it.';

let nextId = 1;
let lastOrder = 0;
/** Strictly increasing, and after every item saved by an earlier visit (the clock has moved on since). */
function nextOrder(): number {
  lastOrder = Math.max(lastOrder + 1, Date.now() * 1000);
  return lastOrder;
}

/** How long a finished item waits for its record to be written before it shows anyway. */
const SAVE_WAIT_MS = 2000;

/** Read and network failures: the input could not be had again, which says nothing against the thumbnails already made. */
const INPUT_FAILURES = new Set(['unreadable', 'network', 'http-error', 'timed-out', 'rate-limited', 'offline', 'refused', 'host-not-found', 'not-an-image']);

/** What makes two settings give the same thumbnails (the name pattern only renames them). */
function settingsKey(s: BatchSettings): string {
  const { namePattern: _names, ...rest } = s;
  return JSON.stringify(rest);
}

class JobList {
  items: Job[] = $state.raw([]);
  /** The current batch, for the time-left estimate: when it started and how many items it has settled. */
  batch = $state({ startedAt: 0, settled: 0 });
  private controllers = new Map<number, AbortController>();
  private active = 0;
  private store = new JobStore();
  private names = new FileNames();
  /** Bumped by each reapply, so an older one still working through a long list stops. */
  private reapplying = 0;
  /** Bumped by Clear and Cancel: an add() or restore() still going through a long list stops. */
  private generation = 0;

  readonly counts = $derived.by(() => {
    const c = { total: this.items.length, done: 0, failed: 0, retryable: 0, cancelled: 0, queued: 0, working: 0 };
    for (const job of this.items) {
      if (job.state === 'done') c.done++;
      else if (job.state === 'error') {
        c.failed++;
        if (job.input) c.retryable++; // a bad paste or a restored item has nothing to retry from
      }
      else if (job.state === 'cancelled') c.cancelled++;
      else if (job.state === 'queued') c.queued++;
      else c.working++;
    }
    return { ...c, settled: c.done + c.failed + c.cancelled, busy: c.queued + c.working > 0 };
  });

  /** Adds inputs in order; each becomes one item. Inputs that failed already (a bad paste) show their error. */
  async add(inputs: JobInput[], settings: BatchSettings): Promise<void> {
    this.names.setPattern(settings.namePattern, this.items);
    const made = inputs.map((input) => {
      const job = new Job(input.name, 'source' in input ? input.source : undefined);
      job.settings = settings;
      if ('error' in input) {
        job.state = 'error';
        job.error = input.error;
      } else {
        job.target = settings;
      }
      return job;
    });
    const generation = this.generation;
    for (let i = 0; i < made.length; i += CHUNK) {
      if (i > 0) await yieldToBrowser();
      if (generation !== this.generation) return; // Clear or Cancel pressed while adding: the rest is not added
      const chunk = made.slice(i, i + CHUNK);
      this.items = [...this.items, ...chunk];
      for (const job of chunk) this.persist(job);
      this.pump();
    }
  }

  /** Stops one queued or running item (a running one's worker is replaced at once). */
  cancel(job: Job): void {
    if (!this.stop(job)) return;
    this.settled(job);
  }

  /** Stops everything queued and running. */
  cancelAll(): void {
    this.reapplying++; // a redo still being queued stops too
    this.generation++; // and files still being added
    for (const job of this.items) if (this.stop(job)) this.settled(job);
  }

  remove(job: Job): void {
    const wasRunning = job.state === 'queued' || job.state === 'working';
    this.abort(job);
    this.release(job);
    this.items = this.items.filter((j) => j !== job);
    this.store.delete(job.storeKey);
    if (wasRunning) this.settled();
  }

  /** Empties the list, stopping whatever runs. The thumbnails stay in the result cache. */
  clear(): void {
    this.reapplying++;
    this.generation++;
    for (const job of this.items) {
      this.abort(job);
      this.release(job);
    }
    this.items = [];
    this.store.clear();
    this.settled();
  }

  /** Every done thumbnail with its name, in list order: what "Download all" zips. */
  downloads(): { name: string; blob: Blob }[] {
    return this.items.flatMap((job) => (job.state === 'done' ? job.thumbnails.map((t) => ({ name: t.fileName, blob: t.blob })) : []));
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
   * A new name pattern only renames. Long lists are gone through a chunk per task.
   */
  async reapply(settings: BatchSettings): Promise<void> {
    const run = ++this.reapplying;
    this.names.setPattern(settings.namePattern, this.items);
    const want = settingsKey(settings);
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % CHUNK === 0) {
        this.pump();
        await yieldToBrowser();
        if (run !== this.reapplying) return;
      }
      const job = items[i]!;
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
    const generation = this.generation;
    const restored: Job[] = [];
    for (let i = 0; i < saved.length; i += CHUNK) {
      if (i > 0) await yieldToBrowser();
      restored.push(...(await Promise.all(saved.slice(i, i + CHUNK).map(restoreJob))));
    }
    if (generation !== this.generation) return; // cleared meanwhile: the saved list was cleared with it
    for (const job of restored) this.names.claimAll(job);
    // Smaller steps than add(): these cards arrive with their images at once, while the page is still starting.
    const step = Math.ceil(CHUNK / 2);
    const mine = new Set<Job>();
    for (let i = 0; i < restored.length; i += step) {
      if (i > 0) await yieldToBrowser();
      if (generation !== this.generation) return;
      // After the restored items already in (the person may have removed some), before anything added since.
      const at = this.items.findIndex((j) => !mine.has(j));
      const chunk = restored.slice(i, i + step);
      for (const job of chunk) mine.add(job);
      this.items = at < 0 ? [...this.items, ...chunk] : [...this.items.slice(0, at), ...chunk, ...this.items.slice(at)];
    }
    // Save only what restoring changed (a thumbnail evicted since), not the whole list again.
    for (const [i, job] of restored.entries()) if (job.state !== saved[i]![1].state && this.items.includes(job)) this.persist(job);
  }

  /** Ends a queued or running item as cancelled (or back to done, if a redo was stopped). */
  private stop(job: Job): boolean {
    if (job.state !== 'queued' && job.state !== 'working') return false;
    this.abort(job);
    job.target = undefined;
    if (job.thumbnails.length) {
      // A redo was stopped: the earlier thumbnails are still good for the earlier settings.
      job.state = 'done';
      job.note = 'Not redone with the new settings: cancelled.';
    } else {
      job.state = 'cancelled';
      job.error = { code: 'cancelled', message: 'Cancelled.' };
    }
    return true;
  }

  private queue(job: Job, settings: BatchSettings): void {
    this.startBatchClock();
    job.target = settings;
    job.state = 'queued';
    job.error = undefined;
    job.note = undefined;
  }

  private abort(job: Job): void {
    const controller = this.controllers.get(job.id);
    if (!controller) return;
    this.controllers.delete(job.id);
    controller.abort();
  }

  private release(job: Job): void {
    for (const t of job.thumbnails) {
      URL.revokeObjectURL(t.url);
      this.names.release(t.fileName);
    }
  }

  private startBatchClock(): void {
    if (this.batch.startedAt === 0 || !this.counts.busy) this.batch = { startedAt: performance.now(), settled: 0 };
  }

  /**
   * Starts queued jobs, in order, while there are free workers. (Tried: three per
   * worker, since a cache hit needs no worker; the hits then arrived in bursts, and
   * a burst of finished cards in one task was a long task. One per worker keeps the
   * page smooth; a redo of 1,000 cached items takes a few seconds.)
   */
  private pump(): void {
    const limit = thumbnailPool().size;
    if (this.active >= limit) return;
    for (const job of this.items) {
      if (this.active >= limit) return;
      if (job.state !== 'queued') continue;
      if (this.batch.startedAt === 0) this.startBatchClock();
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
    job.inputBytes ??= input?.size?.();
    const current = () => this.controllers.get(job.id) === controller;
    const options = outputOptions(target);
    let saved = false;
    try {
      const outcome = await makeThumbnails(
        {
          read: input ? input.read : () => Promise.reject(new Error('input gone')),
          identity: input?.identity?.(),
          // The hash from the last run finds settings used before in the cache without
          // reading or downloading the input again; restored items have nothing else.
          contentHash: job.contentHash,
        },
        options,
        controller.signal,
      );
      // Answers from IndexedDB arrive in bursts (Chromium can deliver dozens in one
      // task); showing each in a task of its own keeps a redo of 1,000 cached items
      // from freezing the page for a few hundred milliseconds at a time.
      await yieldToBrowser();
      if (!current()) return; // cancelled, removed or redone meanwhile: a newer state stands
      if (outcome.ok) {
        // Saved before it shows as done: a write still in flight when the page goes is
        // lost, so a card that said "done" a moment before a reload came back cancelled
        // (WebKitGTK, in CI). Costs one small IndexedDB write per item, a few ms.
        const done = (): SavedJob => ({
          ...toSaved(job),
          state: 'done',
          settings: target,
          thumbnails: outcome.thumbnails.map(toSavedThumbnail),
          inputBytes: job.inputBytes ?? outcome.inputBytes,
          contentHash: outcome.contentHash ?? job.contentHash,
          sourceSize: sourceSizeOf(outcome.thumbnails),
          error: undefined,
        });
        await this.savedBeforeShown(job, outcome.stored, done);
        if (!current()) return;
        saved = true;
      }
      this.controllers.delete(job.id);
      job.target = undefined;
      if (outcome.ok) {
        this.release(job);
        job.thumbnails = outcome.thumbnails.map((t, i) => this.names.claim(toJobThumbnail(t, options[i]!), job.name));
        job.settings = target;
        job.inputBytes ??= outcome.inputBytes;
        job.contentHash = outcome.contentHash ?? job.contentHash;
        job.sourceSize = sourceSizeOf(outcome.thumbnails);
        job.elapsedMs = outcome.elapsedMs;
        job.cache = outcome.cache;
        job.decoder = outcome.thumbnails[0]!.decoder;
        job.stagesMs = outcome.stagesMs;
        job.note = undefined;
        job.state = 'done';
      } else if (job.thumbnails.length && (!input || INPUT_FAILURES.has(outcome.error.code))) {
        // The input is gone (a reload) or could not be had again (a download failed):
        // the thumbnails already made stay, with the reason they were not redone.
        job.state = 'done';
        job.note = input ? `Not redone with the new settings: ${outcome.error.message}` : INPUT_GONE;
      } else {
        this.release(job);
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
      this.release(job);
      job.thumbnails = [];
      job.error = { code: 'worker-failed', message: 'Something went wrong with this image.', detail: e instanceof Error ? e.message : String(e) };
      job.state = 'error';
    }
    this.settled(job, saved);
  }

  /**
   * Writes a finished item's record once its thumbnails are in the cache (`stored`: a
   * record saved earlier would promise a reload thumbnails it cannot find), and waits
   * for that write, but never long: storage is best effort, a finished item must show.
   */
  private async savedBeforeShown(job: Job, stored: Promise<void>, record: () => SavedJob): Promise<void> {
    const written = stored.then(() => (this.items.includes(job) ? this.store.save(job.storeKey, record, true) : undefined));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([written, new Promise<void>((resolve) => (timer = setTimeout(resolve, SAVE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** After any item ends (or goes): count it for the time-left estimate and save it, unless `saved` already. */
  private settled(job?: Job, saved = false): void {
    this.batch.settled++;
    if (!this.counts.busy) this.batch = { startedAt: 0, settled: 0 };
    if (job && !saved) this.persist(job);
  }

  private persist(job: Job): void {
    // A finished, failed or cancelled item is written straight away: it is work a reload must not lose.
    const settled = job.state === 'done' || job.state === 'error' || job.state === 'cancelled';
    this.store.save(job.storeKey, () => toSaved(job), settled);
  }
}

function toJobThumbnail(t: MadeThumbnail, options: ThumbnailOptions): JobThumbnail {
  const blob = new Blob([t.bytes], { type: t.mimeType });
  return { ...toSavedThumbnail(t), url: URL.createObjectURL(blob), blob, options, fileName: '' };
}

function toSavedThumbnail(t: MadeThumbnail): SavedThumbnail {
  return {
    cacheKey: t.cacheKey ?? '',
    width: t.width,
    height: t.height,
    mimeType: t.mimeType,
    extension: t.extension,
    byteLength: t.bytes.byteLength,
    hasAlpha: t.hasAlpha,
    keptOriginal: t.keptOriginal ?? false,
    colourProfileIgnored: t.colourProfileIgnored ?? false,
    thumbHash: t.thumbHash ?? '',
  };
}

function sourceSizeOf(thumbnails: MadeThumbnail[]): { width: number; height: number } {
  return { width: thumbnails[0]!.source.width, height: thumbnails[0]!.source.height };
}

/** A plain record of an item: no blobs or functions (IndexedDB clones it). */
function toSaved(job: Job): SavedJob {
  return {
    order: job.order,
    name: job.name,
    state: job.state,
    settings: job.settings,
    thumbnails: job.thumbnails.map(({ url: _url, blob: _blob, options: _options, fileName: _fileName, ...saved }) => saved),
    inputBytes: job.inputBytes,
    contentHash: job.contentHash,
    sourceSize: job.sourceSize,
    error: job.error,
  };
}

async function restoreJob([key, saved]: [string, SavedJob]): Promise<Job> {
  const job = new Job(saved.name, undefined, { key, order: saved.order });
  job.state = 'cancelled';
  job.inputBytes = saved.inputBytes;
  job.sourceSize = saved.sourceSize;
  job.contentHash = saved.contentHash;
  try {
    job.settings = normaliseSettings(saved.settings);
  } catch {
    job.error = { code: 'cancelled', message: NOT_FINISHED };
    return job;
  }
  if (saved.state === 'error') {
    job.state = 'error';
    job.error = saved.error;
    return job;
  }
  if (saved.state === 'cancelled') {
    // Cancelled by the person, evicted, or not finished last time: its own words stay.
    job.error = saved.error ?? { code: 'cancelled', message: NOT_FINISHED };
    return job;
  }
  const cached = saved.state === 'done' ? await Promise.all(saved.thumbnails.map((t) => (t.cacheKey ? thumbnailCache.get(t.cacheKey) : undefined))) : [];
  if (cached.length === 0 || !cached.every(Boolean)) {
    job.error = { code: 'cancelled', message: saved.state === 'done' ? EVICTED : NOT_FINISHED };
    return job;
  }
  const options = outputOptions(job.settings);
  job.thumbnails = cached.map((c, i) => toJobThumbnail({ ...c!, cacheKey: saved.thumbnails[i]!.cacheKey }, options[i]!));
  job.state = 'done';
  job.cache = 'hit';
  job.note = 'From your last visit.';
  return job;
}

export const jobs = new JobList();
