import { DEFAULT_OPTIONS } from './options';
import type { BatchSettings } from './settings';

/**
 * Named starting points. A preset is not a separate setting that could disagree
 * with the fields: choosing one writes its fields, and the preset shown is whichever
 * one the fields match (else "Custom"). So editing the width of "Small 150" simply
 * makes it "Custom", and the command-line tool's --preset is the same macro.
 */
export type PresetId = 'classic' | 'small' | 'medium' | 'large' | 'custom';

export interface Preset {
  id: Exclude<PresetId, 'custom'>;
  label: string;
  description: string;
  fields: Partial<BatchSettings>;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'classic',
    label: 'Classic 100×100',
    description: 'The old API exactly: stretched to 100×100 (aspect not kept), same format as the input, BMP included.',
    // The old API resized every image to 100x100, small ones included, and kept the format, even BMP.
    fields: { width: 100, height: 100, fit: 'fill', allowEnlarge: true, format: 'legacy', scalePercent: 0, sizes: [] },
  },
  { id: 'small', label: 'Small 150', description: 'Fits within 150×150.', fields: { width: 150, height: 150, scalePercent: 0 } },
  { id: 'medium', label: 'Medium 256', description: 'Fits within 256×256.', fields: { width: 256, height: 256, scalePercent: 0 } },
  { id: 'large', label: 'Large 512', description: 'Fits within 512×512.', fields: { width: 512, height: 512, scalePercent: 0 } },
];

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** The preset the settings match, field for field; 'custom' when none does. */
export function presetOf(settings: BatchSettings): PresetId {
  const matches = (p: Preset) =>
    Object.entries(p.fields).every(([k, v]) => JSON.stringify(settings[k as keyof BatchSettings]) === JSON.stringify(v));
  return PRESETS.find(matches)?.id ?? 'custom';
}

/**
 * The settings with a preset's fields written in. Leaving Classic also undoes what
 * only Classic forces (stretching, enlarging), so "Small 150" after "Classic" fits
 * inside as expected and writes PNG, not BMP. 'custom' changes nothing.
 */
export function applyPreset(settings: BatchSettings, id: PresetId): BatchSettings {
  const preset = presetById(id);
  if (!preset) return settings;
  const leavingClassic = id !== 'classic' && presetOf(settings) === 'classic';
  const undo = leavingClassic ? { fit: DEFAULT_OPTIONS.fit, allowEnlarge: DEFAULT_OPTIONS.allowEnlarge, format: DEFAULT_OPTIONS.format } : {};
  return { ...settings, ...undo, ...preset.fields };
}
