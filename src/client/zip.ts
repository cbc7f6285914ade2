import { downloadZip } from 'client-zip';

/**
 * One ZIP of many thumbnails, written by client-zip as a stream (no compression:
 * JPEG, PNG and WebP are compressed already, so deflating again would only cost
 * time). The stream is gathered into a Blob for the download link; thumbnails are
 * small, so even 1,000 of them stay a few tens of MB.
 */
export function zipBlob(entries: { name: string; blob: Blob }[]): Promise<Blob> {
  const now = new Date();
  return downloadZip(entries.map((e) => ({ input: e.blob, name: e.name, lastModified: now }))).blob();
}

/** Saves a Blob under a file name, as a click on a download link would. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
