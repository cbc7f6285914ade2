import type { ThumbnailOptions } from './options';
import { DEFAULT_NAME_PATTERN } from './settings';

/**
 * Download names. A pattern such as '{name}-{width}x{height}' (the default) gives
 * 'holiday.photo-256x192.webp' for 'holiday.photo.JPG' made 256x192 as WebP.
 * Tokens: {name} (the input's name without its extension), {width}, {height} (the
 * thumbnail's), {fit}, {format} (the output's extension), {quality}, {method}.
 */
export interface NameFields {
  inputName: string;
  width: number;
  height: number;
  extension: string;
  options: Pick<ThumbnailOptions, 'fit' | 'quality' | 'method'>;
}

/** Characters no common file system takes in a name, and control characters. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[/\\:*?"<>|\u0000-\u001f]/g;

export function baseName(inputName: string): string {
  return inputName.replace(/\.[a-z0-9]{1,5}$/i, '') || 'image';
}

export function thumbnailFileName(fields: NameFields, pattern = DEFAULT_NAME_PATTERN): string {
  const values: Record<string, string> = {
    name: baseName(fields.inputName),
    width: String(fields.width),
    height: String(fields.height),
    fit: fields.options.fit,
    format: fields.extension,
    quality: String(fields.options.quality),
    method: fields.options.method,
  };
  const base = pattern.replace(/\{(\w+)\}/g, (token, key: string) => values[key] ?? token);
  const safe = base.replace(UNSAFE, '_').replace(/^[\s.]+|[\s.]+$/g, '') || 'image';
  return `${safe}.${fields.extension}`;
}

/**
 * The same names made unique, case-insensitively (as Windows and macOS compare
 * them): the second 'photo-256x171.jpg' becomes 'photo-256x171-2.jpg'.
 */
export function uniqueFileNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => claimUniqueName(name, taken));
}

/** The name, or the first 'stem-N.ext' not in `taken` (lower-cased); records it there. */
export function claimUniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}
