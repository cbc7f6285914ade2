import { applyPreset, presetOf, type PresetId } from '../core/presets';
import { DEFAULT_SETTINGS, normaliseSettings, type BatchSettings } from '../core/settings';

const STORAGE_KEY = 'thumbnail-generator:settings';

/**
 * The settings form's live values, as the fields hold them: numbers may be empty
 * or out of range while a person types, and the size set is the text as typed.
 * `currentSettings()` checks them. Persisted so a reload keeps the person's choices.
 */
export type SettingsForm = Omit<BatchSettings, 'sizes'> & { sizes: string };

function toForm(s: BatchSettings): SettingsForm {
  // A fresh encoderSettings: the defaults' is frozen, and the form's fields write into it.
  return { ...s, encoderSettings: { ...s.encoderSettings }, sizes: s.sizes.join(', ') };
}

function load(): SettingsForm {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved) return toForm(normaliseSettings(JSON.parse(saved) as Partial<BatchSettings>));
  } catch {
    // Unreadable or out-of-range saved settings: start from the defaults.
  }
  return toForm(DEFAULT_SETTINGS);
}

export const settings: SettingsForm = $state(load());

export function saveSettings(): void {
  const current = currentSettings();
  if (!current.ok) return; // keep the last usable settings for the next visit
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(current.settings));
  } catch {
    // Storage full or disabled: settings simply are not remembered.
  }
}

export function resetSettings(): void {
  Object.assign(settings, toForm(DEFAULT_SETTINGS));
  saveSettings();
}

/** Writes a preset's fields into the form (see core/presets.ts: the preset shown is derived from the fields). */
export function choosePreset(id: PresetId): void {
  const current = currentSettings();
  if (!current.ok || id === 'custom') return;
  Object.assign(settings, toForm(applyPreset(current.settings, id)));
  saveSettings();
}

/** The preset the fields match, or 'custom' (also while a field is unusable). */
export function currentPreset(): PresetId {
  const current = currentSettings();
  return current.ok ? presetOf(current.settings) : 'custom';
}

/**
 * The settings as a job will use them, or the reason they are unusable
 * (an empty or out-of-range number field, a size set that is not numbers).
 */
export function currentSettings(): { ok: true; settings: BatchSettings } | { ok: false; message: string } {
  try {
    const form = $state.snapshot(settings);
    return { ok: true, settings: normaliseSettings(form) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** Runs `action` with the current settings; when they are unusable, returns what to tell the person instead. */
export function withCurrentSettings(action: (settings: BatchSettings) => void): string | undefined {
  const current = currentSettings();
  if (!current.ok) return `Fix the settings first: ${current.message}`;
  action(current.settings);
  return undefined;
}
