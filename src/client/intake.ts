import type { ThumbnailErrorData } from '../core/errors';
import { parsePastedText, type TextItem } from '../core/inputs/parse-text';
import { fetchImageBytes } from './fetch-image';
import { fileIdentity } from './hash-memo';

/**
 * Turns what a person gives the page (files, pasted or dropped text, clipboard
 * images) into job inputs, in order. Reading is deferred to when the job starts,
 * and can be repeated: changing a setting redoes finished items from their input.
 */
export interface JobSource {
  kind: 'file' | 'pasted' | 'url';
  /** The input's bytes; a URL is fetched again, but only when the cache cannot answer from the content hash of the last run. */
  read: (signal?: AbortSignal) => Promise<ArrayBuffer>;
  /** The original as an image the browser can show, for the compare view. */
  original: (signal?: AbortSignal) => Promise<Blob>;
  /**
   * For files: what their content hash is remembered by (client/hash-memo.ts).
   * A function: reading a picked file's size and date costs Chromium a disk look-up
   * each (about 0.1 ms), which for 1,000 files at once would block the page; it is
   * asked for when the item starts instead.
   */
  identity?: () => string;
  /** The input's size in bytes, when it is cheap to know (see identity). */
  size?: () => number;
}

export type JobInput = { name: string; source: JobSource } | { name: string; error: ThumbnailErrorData };

let pastedCount = 0;
/** 'pasted image 1', 'pasted image 2', … across the whole session. */
export function nextPastedName(): string {
  pastedCount += 1;
  return `pasted image ${pastedCount}`;
}

export function fromFiles(files: Iterable<File>, named?: (file: File) => string): JobInput[] {
  // A File is a handle to the data, not the data: keeping it costs no memory.
  return Array.from(files, (file) => ({
    name: named ? named(file) : file.name || nextPastedName(),
    source: { kind: 'file', read: () => file.arrayBuffer(), original: async () => file, identity: () => fileIdentity(file), size: () => file.size },
  }));
}

export function fromText(text: string): JobInput[] {
  return parsePastedText(text).map(fromTextItem);
}

function fromTextItem(item: TextItem): JobInput {
  switch (item.kind) {
    case 'bytes': {
      const bytes = item.bytes;
      // A copy each time: the worker takes (transfers) the buffer it is given.
      return { name: nextPastedName(), source: { kind: 'pasted', read: async () => bytes.slice().buffer, original: async () => new Blob([bytes as BlobPart]), size: () => bytes.byteLength } };
    }
    case 'url': {
      const read = (signal?: AbortSignal) => fetchImageBytes(item.url, { signal });
      return { name: item.name, source: { kind: 'url', read, original: async (signal) => new Blob([await read(signal)]) } };
    }
    case 'error':
      return { name: `pasted text (${item.name})`, error: item.error };
  }
}

/**
 * What a paste or a drop carries: image files first (a screenshot, a copied image,
 * files from the desktop); otherwise links (text/uri-list, as browsers give when a
 * link or an image is dragged from another page) or plain text.
 */
export function fromDataTransfer(data: DataTransfer, origin: 'paste' | 'drop'): JobInput[] {
  const files = Array.from(data.files);
  if (files.length) {
    // Clipboard images are all called 'image.png'; number them instead.
    return fromFiles(files, origin === 'paste' ? () => nextPastedName() : undefined);
  }
  const uriList = data.getData('text/uri-list');
  if (uriList) {
    const links = uriList.split(/\r?\n/).filter((line) => line.trim() && !line.startsWith('#'));
    return fromText(links.join('\n'));
  }
  return fromText(data.getData('text/plain'));
}
