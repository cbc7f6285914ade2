import { CODECS } from './codecs/registry';
import { DEFAULT_OPTIONS, type ThumbnailOptions } from './options';
import { presetOf } from './presets';
import { DEFAULT_SETTINGS } from './settings';

/**
 * The settings that made a thumbnail, in a few words for its card:
 * 'cover 200×200 · WebP q80', '50% · PNG', 'Classic 100×100 · BMP',
 * 'inside 256×256 · JPEG q80 · mitchell'. `formatLabel` is the output's real
 * format ('Same as input' means nothing on a card).
 */
export function describeOptions(options: ThumbnailOptions, formatLabel: string): string {
  const parts: string[] = [];
  if (options.scalePercent > 0) parts.push(`${options.scalePercent}%`);
  else if (presetOf({ ...DEFAULT_SETTINGS, ...options }) === 'classic') parts.push('Classic 100×100');
  else parts.push(`${options.fit} ${options.width}×${options.height}`);
  const lossy = CODECS.some((c) => c.label === formatLabel && c.takesQuality);
  parts.push(lossy ? `${formatLabel} q${options.quality}` : formatLabel);
  if (options.fit === 'cover' && options.focus === 'smart' && options.scalePercent === 0) parts.push('smart crop');
  if (options.method !== DEFAULT_OPTIONS.method) parts.push(options.method);
  if (options.allowEnlarge && presetOf({ ...DEFAULT_SETTINGS, ...options }) !== 'classic') parts.push('may enlarge');
  return parts.join(' · ');
}
