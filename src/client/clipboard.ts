import { encodeBase64 } from '../core/inputs/base64';
import { legacyResponse } from '../core/legacy-api';

export type CopyForm = 'base64' | 'data-url' | 'json';

/** A thumbnail as the text each "Copy" action puts on the clipboard. */
export async function thumbnailAsText(blob: Blob, form: CopyForm): Promise<string> {
  const base64 = await blobToBase64(blob);
  switch (form) {
    case 'base64':
      return base64;
    case 'data-url':
      return `data:${blob.type};base64,${base64}`;
    case 'json':
      return legacyResponse(base64);
  }
}

/** Writes text to the clipboard; falls back to a hidden textarea where the async API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Not a secure context, or permission refused: try the old way below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('The browser refused to copy to the clipboard.');
}

/** The browser's own encoder (FileReader) does the work off the JS heap; plain encoding is the fallback. */
async function blobToBase64(blob: Blob): Promise<string> {
  if (typeof FileReader === 'undefined') return encodeBase64(new Uint8Array(await blob.arrayBuffer()));
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The thumbnail could not be read.'));
    reader.readAsDataURL(blob);
  });
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}
