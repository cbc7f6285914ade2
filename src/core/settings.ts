import { ThumbnailError } from './errors';
import { DEFAULT_OPTIONS, MAX_SIDE, normaliseOptions, type ThumbnailOptions } from './options';

/**
 * What a person (or the command-line tool) sets for a whole batch: the options of
 * one thumbnail, plus a size set and the download names. `outputOptions()` turns
 * them into the options of each thumbnail an input gives.
 */
export interface BatchSettings extends ThumbnailOptions {
  /**
   * A size set: box widths, one thumbnail each (64, 128, 256 for srcset). Each box
   * keeps the width x height box's proportions, so with a square box every size is
   * a square. Empty: just the box. Unused with scalePercent.
   */
  sizes: number[];
  /** Download names, with {name} {width} {height} {fit} {format} {quality} {method} (see naming.ts). */
  namePattern: string;
}

/** More than this many sizes of one image is not a size set any more. */
export const MAX_SIZES = 8;
export const DEFAULT_NAME_PATTERN = '{name}-{width}x{height}';

export const DEFAULT_SETTINGS: Readonly<BatchSettings> = Object.freeze({ ...DEFAULT_OPTIONS, sizes: [], namePattern: DEFAULT_NAME_PATTERN });

/** What normaliseSettings takes: any subset, the size set as a list or as typed ('64, 128'). */
export type SettingsInput = Partial<Omit<BatchSettings, 'sizes'>> & { sizes?: number[] | string };

/** Fills defaults and checks every field; throws ThumbnailError('invalid-options') naming the field. */
export function normaliseSettings(input: SettingsInput = {}): BatchSettings {
  const { sizes, namePattern, ...options } = { ...DEFAULT_SETTINGS, ...definedOnly(input) };
  return {
    ...normaliseOptions(options),
    sizes: normaliseSizes(typeof sizes === 'string' ? parseSizeList(sizes) : sizes),
    namePattern: normaliseNamePattern(namePattern),
  };
}

/** '64, 128 256' -> [64, 128, 256]; anything else in the text is an error naming it. */
export function parseSizeList(text: string): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.map((part) => {
    if (!/^\d+$/.test(part)) throw new ThumbnailError('invalid-options', `Sizes must be whole numbers separated by commas; "${part}" is not.`);
    return Number(part);
  });
}

function normaliseSizes(sizes: unknown): number[] {
  if (!Array.isArray(sizes)) throw new ThumbnailError('invalid-options', 'Sizes must be a list of numbers.');
  const unique = [...new Set(sizes.map(Number))].sort((a, b) => a - b);
  for (const n of unique) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_SIDE) throw new ThumbnailError('invalid-options', `Each size must be between 1 and ${MAX_SIDE}; got ${n}.`);
  }
  if (unique.length > MAX_SIZES) throw new ThumbnailError('invalid-options', `A size set holds at most ${MAX_SIZES} sizes; got ${unique.length}.`);
  return unique;
}

function normaliseNamePattern(pattern: unknown): string {
  const p = String(pattern ?? '').trim();
  if (!p) return DEFAULT_NAME_PATTERN;
  if (p.length > 120) throw new ThumbnailError('invalid-options', 'The file name pattern is too long (at most 120 characters).');
  if (/[/\\]/.test(p)) throw new ThumbnailError('invalid-options', 'The file name pattern cannot contain / or \\ (folders).');
  return p;
}

/**
 * The options of every thumbnail one input gives, smallest first. A size N takes
 * the box N wide and N x (height / width) high: with 200x100 and sizes 100, 400 the
 * boxes are 100x50 and 400x200.
 */
export function outputOptions(settings: BatchSettings): ThumbnailOptions[] {
  const { sizes, namePattern: _names, ...options } = settings;
  if (sizes.length === 0 || options.scalePercent > 0) return [options];
  const ratio = options.height / options.width;
  return sizes.map((width) => ({ ...options, width, height: Math.min(MAX_SIDE, Math.max(1, Math.round(width * ratio))) }));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
