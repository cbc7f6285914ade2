import { createStore, delMany, entries, get, getMany, set } from 'idb-keyval';

/**
 * Images shared to the installed app from another app's share sheet. The share
 * arrives at the service worker as a POST; it keeps the files here, on the
 * device, and sends the page to `/?share=<id>`; the page takes them out and
 * queues them. Used by both sides, so it touches neither the DOM nor the
 * service worker's globals.
 *
 * The files are stored as they are (File objects), not read into ArrayBuffers as
 * DESIGN.md §3 advises for WebKit's sake: a share of 300 photos would otherwise be
 * held in the service worker's memory all at once, and the browsers that have
 * share targets (Chromium's) keep Blobs in IndexedDB on disk. Where a browser
 * refuses a Blob there, the files are stored as bytes instead, one at a time.
 */

/** A shared file, or its bytes and name where IndexedDB refused the File itself. */
type SharedFile = File | { name: string; type: string; lastModified: number; bytes: ArrayBuffer };

/** A share's record; its files are kept under keys of their own (fileKey), one record each. */
interface Share {
  receivedAt: number;
  count: number;
  /** False until every file is kept: a share cut short (the worker was stopped) is never offered. */
  complete: boolean;
}

const fileKey = (id: string, index: number) => `${id}/${index}`;

/** A share the page never picked up (it was closed at once, or cut short) is dropped after a day. */
const KEEP_MS = 24 * 60 * 60 * 1000;

let store: ReturnType<typeof createStore> | undefined;
function inbox() {
  store ??= createStore('thumbnail-shares', 'shares');
  return store;
}

/**
 * Keeps shared files; returns the id the page asks for them by. One record per
 * file: where a File must be stored as bytes, only one file's bytes are read at a time.
 */
export async function keepSharedFiles(files: File[]): Promise<string> {
  const id = crypto.randomUUID();
  const share: Share = { receivedAt: Date.now(), count: files.length, complete: false };
  await set(id, share, inbox());
  for (const [i, file] of files.entries()) {
    try {
      await set(fileKey(id, i), file satisfies SharedFile, inbox());
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'DataCloneError')) throw e;
      const bytes = await file.arrayBuffer();
      await set(fileKey(id, i), { name: file.name, type: file.type, lastModified: file.lastModified, bytes } satisfies SharedFile, inbox());
    }
  }
  await set(id, { ...share, complete: true }, inbox());
  return id;
}

/** Takes a share out (once: a reload of the same address does not add the files again). */
export async function takeSharedFiles(id: string): Promise<File[] | undefined> {
  const share = await get<Share>(id, inbox());
  if (!share?.complete) return undefined;
  const kept = await getMany<SharedFile | undefined>(filesOf(id, share), inbox());
  await delMany([id, ...filesOf(id, share)], inbox());
  void dropStaleShares().catch(() => {});
  return kept
    .filter((f): f is SharedFile => f !== undefined)
    .map((f) => (f instanceof File ? f : new File([f.bytes], f.name, { type: f.type, lastModified: f.lastModified })));
}

const filesOf = (id: string, share: Share) => Array.from({ length: share.count }, (_, i) => fileKey(id, i));

async function dropStaleShares(): Promise<void> {
  const now = Date.now();
  for (const [id, share] of await entries<string, Share | SharedFile>(inbox())) {
    if (id.includes('/') || !('receivedAt' in share) || now - share.receivedAt <= KEEP_MS) continue;
    await delMany([id, ...filesOf(id, share)], inbox());
  }
}
