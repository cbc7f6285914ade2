import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { ThumbnailErrorData } from '../core/errors';
import type { BatchSettings } from '../core/settings';

/**
 * The list of items, kept in IndexedDB so a reload rebuilds it: names, settings,
 * states and each thumbnail's cache key, never the pixels (those are in the result
 * cache already, under those keys). One record for the whole list, written a
 * moment after the last change, so a batch of 1,000 finishing writes a few times,
 * not a thousand.
 */
export interface SavedThumbnail {
  cacheKey: string;
  width: number;
  height: number;
  mimeType: string;
  extension: string;
  byteLength: number;
  hasAlpha: boolean;
}

export interface SavedJob {
  name: string;
  state: 'queued' | 'working' | 'done' | 'error' | 'cancelled';
  settings: BatchSettings;
  thumbnails: SavedThumbnail[];
  inputBytes?: number;
  contentHash?: string;
  sourceSize?: { width: number; height: number };
  error?: ThumbnailErrorData;
}

const KEY = 'items';
/** Long enough to gather a burst of finishing items into one write, short enough that closing the tab rarely loses one. */
const SAVE_DELAY_MS = 400;

export class JobStore {
  private store: UseStore | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: (() => SavedJob[]) | undefined;

  constructor() {
    try {
      if (globalThis.indexedDB) this.store = createStore('thumbnail-list', 'list');
    } catch {
      this.store = undefined; // no storage: the list lives as long as the page
    }
    // A save still waiting when the page goes away is written at once.
    globalThis.addEventListener?.('pagehide', () => this.flush());
  }

  async load(): Promise<SavedJob[]> {
    if (!this.store) return [];
    try {
      const saved = await get<SavedJob[]>(KEY, this.store);
      return Array.isArray(saved) ? saved : [];
    } catch {
      return [];
    }
  }

  /** Saves what `snapshot` gives, soon; later calls before then replace it (only the newest list matters). */
  saveSoon(snapshot: () => SavedJob[]): void {
    if (!this.store) return;
    this.pending = snapshot;
    this.timer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const snapshot = this.pending;
    this.pending = undefined;
    if (!snapshot || !this.store) return;
    void set(KEY, snapshot(), this.store).catch(() => {
      // Storage full or refused: the list is simply not restored next time.
    });
  }
}
