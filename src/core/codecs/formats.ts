export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'bmp' | 'gif';

/**
 * What each format we read is called and how files of it are named: plain data,
 * with no codec behind it, so that the build (the web app manifest's file
 * handlers and share target), the file picker and the messages can all read the
 * same list without loading a WASM module. Each codec spreads its entry.
 */
export interface FormatInfo {
  format: ImageFormat;
  label: string;
  mimeType: string;
  /** The extension our thumbnails of this format get. */
  extension: string;
  /** Every extension files of this format are commonly saved with, dot included. */
  fileExtensions: readonly string[];
}

export const FORMATS = {
  jpeg: { format: 'jpeg', label: 'JPEG', mimeType: 'image/jpeg', extension: 'jpg', fileExtensions: ['.jpg', '.jpeg', '.jpe', '.jfif'] },
  png: { format: 'png', label: 'PNG', mimeType: 'image/png', extension: 'png', fileExtensions: ['.png'] },
  webp: { format: 'webp', label: 'WebP', mimeType: 'image/webp', extension: 'webp', fileExtensions: ['.webp'] },
  gif: { format: 'gif', label: 'GIF', mimeType: 'image/gif', extension: 'gif', fileExtensions: ['.gif'] },
  bmp: { format: 'bmp', label: 'BMP', mimeType: 'image/bmp', extension: 'bmp', fileExtensions: ['.bmp', '.dib'] },
} as const satisfies Record<ImageFormat, FormatInfo>;

/** In the order the page lists them. */
export const READABLE_FORMATS: readonly FormatInfo[] = [FORMATS.jpeg, FORMATS.png, FORMATS.webp, FORMATS.gif, FORMATS.bmp];

/** MIME type -> file extensions, the shape of the manifest's `file_handlers` and `share_target` accept lists. */
export function acceptedFileTypes(): Record<string, string[]> {
  return Object.fromEntries(READABLE_FORMATS.map((f) => [f.mimeType, [...f.fileExtensions]]));
}

/**
 * For `<input type="file" accept>`: every MIME type and extension, because some
 * systems label BMP files oddly (image/x-ms-bmp) or not at all, and a picker that
 * greys out a file we could read is worse than one that lets a wrong file through
 * (which then gets a clear error of its own).
 */
export const FILE_PICKER_ACCEPT = ['image/*', ...READABLE_FORMATS.flatMap((f) => f.fileExtensions)].join(',');
