import { clear as clearStore, createStore, delMany, entries, set, type UseStore } from 'idb-keyval';

/**
 * Remembers the SHA-256 of files already read: file identity -> content hash.
 *
 * Why: on a cache hit for a 5 MB photo, Chromium spends ~25 ms just handing the
 * file's bytes to the page (the data lives in the browser process) and ~5 ms
 * hashing them, against ~2 ms for the cache lookup itself. With the hash
 * remembered, a re-added unchanged file is answered without reading it.
 *
 * The cache is still keyed by content: a file's identity here is its name, size,
 * type and last-modified time, so an edited file (new time, usually new size) is
 * read and hashed again; and every cache MISS re-reads and re-hashes, which
 * refreshes the memo. Only hits trust it.
 */
const MAX_ENTRIES = 10_000;

interface MemoEntry {
  hash: string;
  lastUsed: number;
}

export function fileIdentity(file: File): string {
  return ['file', file.name, file.size, file.type, file.lastModified].join('\u0000');
}

export class ContentHashMemo {
  private memo = new Map<string, MemoEntry>();
  private store: UseStore | undefined;
  private ready: Promise<void> | undefined;

  open(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  async get(identity: string): Promise<string | undefined> {
    await this.open();
    const entry = this.memo.get(identity);
    if (entry) entry.lastUsed = Date.now();
    return entry?.hash;
  }

  async remember(identity: string, hash: string): Promise<void> {
    await this.open();
    const entry = { hash, lastUsed: Date.now() };
    this.memo.set(identity, entry);
    if (this.store) await set(identity, entry, this.store).catch(() => {});
  }

  async clear(): Promise<void> {
    await this.open();
    this.memo.clear();
    if (this.store) await clearStore(this.store).catch(() => {});
  }

  private async load(): Promise<void> {
    try {
      if (!globalThis.indexedDB) return; // memory only
      this.store = createStore('thumbnail-cache-hashes', 'hashes');
      const saved = await entries<string, MemoEntry>(this.store);
      saved.sort(([, a], [, b]) => b.lastUsed - a.lastUsed);
      this.memo = new Map(saved.slice(0, MAX_ENTRIES));
      const stale = saved.slice(MAX_ENTRIES).map(([k]) => k);
      if (stale.length) await delMany(stale, this.store);
    } catch {
      this.store = undefined; // storage refused: remember within this page only
    }
  }
}
