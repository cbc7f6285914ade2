import { DEFAULT_OPTIONS, normaliseOptions, type ThumbnailOptions } from '../core/options';

const STORAGE_KEY = 'thumbnail-generator:settings';

function load(): ThumbnailOptions {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved) return normaliseOptions(JSON.parse(saved) as Partial<ThumbnailOptions>);
  } catch {
    // Unreadable or out-of-range saved settings: start from the defaults.
  }
  return { ...DEFAULT_OPTIONS };
}

/** The settings form's live values; persisted so a reload keeps the person's choices. */
export const settings: ThumbnailOptions = $state(load());

export function saveSettings(): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify($state.snapshot(settings)));
  } catch {
    // Storage full or disabled: settings simply are not remembered.
  }
}

export function resetSettings(): void {
  Object.assign(settings, DEFAULT_OPTIONS);
  saveSettings();
}

/**
 * The settings as a job will use them, or the reason they are unusable
 * (an empty or out-of-range number field).
 */
export function currentOptions(): { ok: true; options: ThumbnailOptions } | { ok: false; message: string } {
  try {
    return { ok: true, options: normaliseOptions($state.snapshot(settings)) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
