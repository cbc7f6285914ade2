import { createStore, del, delMany, clear as clearStore, entries, get, keys, set, setMany, type UseStore } from 'idb-keyval';
import { planEviction, type CacheEntryInfo } from '../core/eviction';
import type { WorkerThumbnail } from '../worker/protocol';

/**
 * Finished thumbnails in IndexedDB, so a repeated job is instant and survives reloads.
 *
 * Two stores: `entries` holds the thumbnail bytes, `index` only key -> {size, lastUsed}.
 * The index is read once into memory, so budgets, statistics and LRU eviction never
 * load thumbnail bytes. Values are plain objects with an ArrayBuffer, not Blobs
 * (WebKit has refused Blobs in IndexedDB; DESIGN.md §3).
 *
 * Nothing here is allowed to break the app: where IndexedDB is missing (some private
 * modes) or fails, the cache turns itself off and says why; a quota error evicts
 * and retries once, then that item simply is not cached.
 */
/** A thumbnail as the worker made it, less what only the worker pool needs. */
export type CachedThumbnail = Omit<WorkerThumbnail, 'peakPixels' | 'stagesMs'>;

export interface CacheStats {
  enabled: boolean;
  /** Why the cache is off, in words a person understands. */
  disabledReason?: string;
  count: number;
  bytes: number;
  budgetBytes: number;
}

export const DEFAULT_BUDGET_BYTES = 200 * 1024 * 1024;

/** Opening normally takes milliseconds; this long means storage is stuck. */
const OPEN_TIMEOUT_MS = 5000;

export class ThumbnailCache {
  private index = new Map<string, CacheEntryInfo>();
  private ready: Promise<void> | undefined;
  private disabledReason: string | undefined;
  private entriesStore: UseStore | undefined;
  private indexStore: UseStore | undefined;
  private listeners = new Set<(stats: CacheStats) => void>();
  private loaded = false;

  constructor(private budgetBytes = DEFAULT_BUDGET_BYTES) {}

  /**
   * Opens the stores and loads the index; resolves even when IndexedDB is unusable,
   * and within OPEN_TIMEOUT_MS even when it never answers (a blocked upgrade, a
   * wedged profile): then the cache is off and every item still runs.
   */
  open(): Promise<void> {
    this.ready ??= Promise.race([
      this.load(),
      new Promise<void>((resolve) =>
        setTimeout(() => {
          if (!this.loaded) {
            this.disabledReason ??= 'The browser storage (IndexedDB) did not answer, so thumbnails are not cached this time.';
            this.changed();
          }
          resolve();
        }, OPEN_TIMEOUT_MS),
      ),
    ]);
    return this.ready;
  }

  get enabled(): boolean {
    return this.disabledReason === undefined;
  }

  stats(): CacheStats {
    let bytes = 0;
    for (const e of this.index.values()) bytes += e.size;
    return { enabled: this.enabled, disabledReason: this.disabledReason, count: this.index.size, bytes, budgetBytes: this.budgetBytes };
  }

  /** Called with fresh statistics after every change. */
  subscribe(listener: (stats: CacheStats) => void): () => void {
    this.listeners.add(listener);
    listener(this.stats());
    return () => this.listeners.delete(listener);
  }

  async get(key: string): Promise<CachedThumbnail | undefined> {
    await this.open();
    if (!this.enabled || !this.index.has(key)) return undefined;
    try {
      const value = await get<CachedThumbnail>(key, this.entriesStore);
      if (!value) {
        // The index outlived its entry (cleared elsewhere): forget it.
        this.index.delete(key);
        await del(key, this.indexStore);
        this.changed();
        return undefined;
      }
      this.touch(key);
      return value;
    } catch {
      return undefined; // a failed read is a miss, never an error for the person
    }
  }

  /**
   * Mutations (put, budget, clear) run one after another: planned concurrently, several
   * thumbnails finishing together would each see room for themselves and overshoot
   * the budget, and a put finishing after a clear would write its entry back.
   */
  private chain: Promise<unknown> = Promise.resolve();
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  async put(key: string, value: CachedThumbnail): Promise<void> {
    await this.open();
    return this.serial(() => this.putNow(key, value));
  }

  private async putNow(key: string, value: CachedThumbnail): Promise<void> {
    const size = value.bytes.byteLength;
    if (!this.enabled || size > this.budgetBytes) return;
    const info: CacheEntryInfo = { key, size, lastUsed: Date.now() };
    await this.evict(planEviction(this.othersThan(key), this.budgetBytes, size));
    try {
      await this.write(key, value, info);
    } catch (e) {
      if (!isQuotaError(e)) return;
      // The browser's own quota is smaller than our budget: make room and retry once.
      await this.evict(planEviction(this.othersThan(key), Math.max(0, this.stats().bytes - Math.max(size, this.budgetBytes / 10)), size));
      try {
        await this.write(key, value, info);
      } catch {
        // Carry on without caching this item.
      }
    }
  }

  async setBudget(bytes: number): Promise<void> {
    // Set before opening: the first open evicts against the budget, and must use this one.
    this.budgetBytes = bytes;
    await this.open();
    return this.serial(async () => {
      await this.evict(planEviction([...this.index.values()], this.budgetBytes));
      this.changed();
    });
  }

  async clear(): Promise<void> {
    await this.open();
    if (!this.enabled) return;
    return this.serial(async () => {
      this.index.clear();
      try {
        await Promise.all([clearStore(this.entriesStore), clearStore(this.indexStore)]);
      } finally {
        this.changed();
      }
    });
  }

  private async load(): Promise<void> {
    if (!globalThis.crypto?.subtle) {
      // Cache keys are SHA-256 hashes, and browsers offer Web Crypto only on https or localhost.
      this.disabledReason = 'This page is not served over https or from localhost, where browsers withhold the hashing that cache keys need.';
    } else if (!globalThis.indexedDB) {
      this.disabledReason = 'This browser does not offer storage (IndexedDB) here, as in some private modes.';
    } else {
      try {
        this.entriesStore = createStore('thumbnail-cache', 'entries');
        this.indexStore = createStore('thumbnail-cache-index', 'index');
        const saved = await entries<string, CacheEntryInfo>(this.indexStore);
        this.index = new Map(saved.map(([k, v]) => [k, v]));
        await this.dropUnindexed();
        await this.evict(planEviction([...this.index.values()], this.budgetBytes));
      } catch (e) {
        this.disabledReason = `This browser refused storage here (${e instanceof Error ? e.message : String(e)}).`;
        this.index.clear();
      }
    }
    this.loaded = true;
    this.changed();
  }

  /**
   * The two stores are separate databases, so a crash between writing an entry and
   * its index record can leave bytes nobody counts or evicts. Index records are
   * written first (a record without bytes heals itself in get()); here, bytes
   * without a record are deleted. keys() does not read the values.
   */
  private async dropUnindexed(): Promise<void> {
    const orphans = (await keys<string>(this.entriesStore)).filter((k) => !this.index.has(k));
    if (orphans.length) await delMany(orphans, this.entriesStore);
  }

  private othersThan(key: string): CacheEntryInfo[] {
    return [...this.index.values()].filter((e) => e.key !== key);
  }

  private async write(key: string, value: CachedThumbnail, info: CacheEntryInfo): Promise<void> {
    // Index record first: see dropUnindexed() for why this order.
    try {
      await set(key, info, this.indexStore);
      await set(key, value, this.entriesStore);
    } catch (e) {
      await del(key, this.indexStore).catch(() => {});
      throw e;
    }
    this.index.set(key, info);
    this.changed();
  }

  private touched = new Set<string>();
  private touchTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Marks an entry used. Recency is a hint (losing an update only makes eviction
   * slightly less exact), so the records are written together a moment later: a
   * redo answered from the cache touches 1,000 entries, and a write each was
   * 1,000 transactions competing with the page.
   */
  private touch(key: string): void {
    const info = this.index.get(key);
    if (!info) return;
    info.lastUsed = Date.now();
    this.touched.add(key);
    this.touchTimer ??= setTimeout(() => {
      this.touchTimer = undefined;
      const records = [...this.touched].flatMap((k) => {
        const i = this.index.get(k);
        return i ? [[k, i] as [string, CacheEntryInfo]] : [];
      });
      this.touched.clear();
      if (records.length) void setMany(records, this.indexStore).catch(() => {});
    }, 500);
  }

  private async evict(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.index.delete(k);
    try {
      await Promise.all([delMany(keys, this.entriesStore), delMany(keys, this.indexStore)]);
    } catch {
      // Deleting failed: the entries stay on disk until the next eviction or clear.
    }
    this.changed();
  }

  private changed(): void {
    const stats = this.stats();
    for (const listener of this.listeners) listener(stats);
  }
}

function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}
