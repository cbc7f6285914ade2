import type { ThumbnailErrorData } from '../core/errors';
import { parsePastedText, type TextItem } from '../core/inputs/parse-text';
import { fetchImageBytes } from './fetch-image';
import { fileIdentity } from './hash-memo';

/**
 * Turns what a person gives the page (files, pasted or dropped text, clipboard
 * images) into job inputs, in order. Reading is deferred to when the job starts.
 */
export type JobInput =
  | { name: string; size?: number; read: () => Promise<ArrayBuffer>; identity?: string }
  | { name: string; error: ThumbnailErrorData };

let pastedCount = 0;
/** 'pasted image 1', 'pasted image 2', … across the whole session. */
export function nextPastedName(): string {
  pastedCount += 1;
  return `pasted image ${pastedCount}`;
}

export function fromFiles(files: Iterable<File>, named?: (file: File) => string): JobInput[] {
  return Array.from(files, (file) => ({
    name: named ? named(file) : file.name || nextPastedName(),
    size: file.size,
    read: () => file.arrayBuffer(),
    identity: fileIdentity(file),
  }));
}

export function fromText(text: string): JobInput[] {
  return parsePastedText(text).map(fromTextItem);
}

function fromTextItem(item: TextItem): JobInput {
  switch (item.kind) {
    case 'bytes': {
      const bytes = item.bytes;
      return { name: nextPastedName(), size: bytes.byteLength, read: async () => bytes.slice().buffer };
    }
    case 'url':
      return { name: item.name, read: () => fetchImageBytes(item.url) };
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
