import { createStore, del, entries, get, set } from 'idb-keyval';

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

interface Share {
  receivedAt: number;
  files: SharedFile[];
}

/** A share the page never picked up (it was closed at once) is dropped after a day. */
const KEEP_MS = 24 * 60 * 60 * 1000;

let store: ReturnType<typeof createStore> | undefined;
function inbox() {
  store ??= createStore('thumbnail-shares', 'shares');
  return store;
}

/** Keeps shared files; returns the id the page asks for them by. */
export async function keepSharedFiles(files: File[]): Promise<string> {
  const id = crypto.randomUUID();
  try {
    await set(id, { receivedAt: Date.now(), files } satisfies Share, inbox());
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'DataCloneError')) throw e;
    const kept: SharedFile[] = [];
    for (const f of files) kept.push({ name: f.name, type: f.type, lastModified: f.lastModified, bytes: await f.arrayBuffer() });
    await set(id, { receivedAt: Date.now(), files: kept } satisfies Share, inbox());
  }
  return id;
}

/** Takes a share out (once: a reload of the same address does not add the files again). */
export async function takeSharedFiles(id: string): Promise<File[] | undefined> {
  const share = await get<Share>(id, inbox());
  if (!share) return undefined;
  await del(id, inbox());
  void dropStaleShares().catch(() => {});
  return share.files.map((f) => (f instanceof File ? f : new File([f.bytes], f.name, { type: f.type, lastModified: f.lastModified })));
}

async function dropStaleShares(): Promise<void> {
  const now = Date.now();
  for (const [key, share] of await entries<string, Share>(inbox())) {
    if (now - share.receivedAt > KEEP_MS) await del(key, inbox());
  }
}
