import { describe, expect, it } from 'vitest';
import { describeOptions } from '../../src/core/describe';
import { ThumbnailError } from '../../src/core/errors';
import { planGeometry } from '../../src/core/geometry';
import { thumbnailFileName, uniqueFileNames } from '../../src/core/naming';
import { DEFAULT_OPTIONS, normaliseOptions, optionsKey } from '../../src/core/options';
import { applyPreset, presetOf } from '../../src/core/presets';
import { DEFAULT_SETTINGS, normaliseSettings, outputOptions, parseSizeList } from '../../src/core/settings';

const invalid = (f: () => unknown, message: string) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ThumbnailError);
    expect((e as ThumbnailError).code).toBe('invalid-options');
    expect((e as ThumbnailError).message).toContain(message);
    return;
  }
  expect.unreachable(`expected "${message}"`);
};

describe('presets', () => {
  it('Medium 256 is the default, and the preset shown follows the fields', () => {
    expect(presetOf(DEFAULT_SETTINGS)).toBe('medium');
    expect(presetOf({ ...DEFAULT_SETTINGS, width: 150, height: 150 })).toBe('small');
    expect(presetOf({ ...DEFAULT_SETTINGS, width: 512, height: 512, fit: 'cover' })).toBe('large');
    expect(presetOf({ ...DEFAULT_SETTINGS, width: 300 })).toBe('custom');
    expect(presetOf({ ...DEFAULT_SETTINGS, scalePercent: 50 })).toBe('custom');
  });

  it('Classic is the old API exactly: stretched to 100x100, enlarging small images, the input format kept, one size', () => {
    const classic = applyPreset({ ...DEFAULT_SETTINGS, format: 'webp', sizes: [64, 128] }, 'classic');
    expect(classic).toMatchObject({ width: 100, height: 100, fit: 'fill', allowEnlarge: true, format: 'legacy', sizes: [] });
    expect(presetOf(classic)).toBe('classic');
    expect(planGeometry(32, 20, classic).resized).toEqual({ width: 100, height: 100 });
    // Changing what Classic fixes makes it Custom.
    expect(presetOf({ ...classic, format: 'jpeg' })).toBe('custom');
  });

  it('leaving Classic undoes the stretching, enlarging and BMP output it forced, keeping other choices', () => {
    const classic = applyPreset({ ...DEFAULT_SETTINGS, quality: 60 }, 'classic');
    expect(applyPreset(classic, 'small')).toMatchObject({ width: 150, height: 150, fit: 'inside', allowEnlarge: false, format: 'same', quality: 60 });
    // From anything else, a preset only sets the box: a chosen fit mode stays.
    expect(applyPreset({ ...DEFAULT_SETTINGS, fit: 'cover' }, 'large')).toMatchObject({ width: 512, height: 512, fit: 'cover' });
    expect(applyPreset({ ...DEFAULT_SETTINGS, scalePercent: 30 }, 'medium').scalePercent).toBe(0);
  });
});

describe('settings', () => {
  it('size sets: parsed from text, sorted, unique, bounded', () => {
    expect(parseSizeList('256, 64 128;64')).toEqual([256, 64, 128, 64]);
    expect(normaliseSettings({ sizes: '256, 64 128;64' }).sizes).toEqual([64, 128, 256]);
    expect(normaliseSettings({ sizes: '' }).sizes).toEqual([]);
    invalid(() => normaliseSettings({ sizes: '64, big' }), '"big" is not');
    invalid(() => normaliseSettings({ sizes: '0' }), 'between 1 and 8192');
    invalid(() => normaliseSettings({ sizes: '1 2 3 4 5 6 7 8 9' }), 'at most 8 sizes');
  });

  it('each size is a box of the same proportions as width x height', () => {
    const s = normaliseSettings({ width: 200, height: 100, sizes: [400, 100] });
    expect(outputOptions(s).map((o) => [o.width, o.height])).toEqual([
      [100, 50],
      [400, 200],
    ]);
    expect(outputOptions(normaliseSettings({ sizes: '64,128,256' })).map((o) => [o.width, o.height])).toEqual([
      [64, 64],
      [128, 128],
      [256, 256],
    ]);
    // No size set, or a percentage: one thumbnail.
    expect(outputOptions(DEFAULT_SETTINGS)).toHaveLength(1);
    expect(outputOptions(normaliseSettings({ sizes: [64, 128], scalePercent: 50 }))).toHaveLength(1);
    // The thumbnail options carry no batch-only fields (they are the cache key).
    expect(Object.keys(outputOptions(DEFAULT_SETTINGS)[0]!).sort()).toEqual(Object.keys(DEFAULT_OPTIONS).sort());
  });

  it('checks the resize method, the percentage and the name pattern', () => {
    expect(normaliseOptions({ method: 'MITCHELL' as never }).method).toBe('mitchell');
    invalid(() => normaliseOptions({ method: 'bicubic' as never }), 'Resize method must be one of lanczos3, mitchell, catrom, triangle');
    invalid(() => normaliseOptions({ scalePercent: 401 }), 'Percentage must be between 0 and 400');
    invalid(() => normaliseSettings({ namePattern: 'thumbs/{name}' }), 'cannot contain /');
    expect(normaliseSettings({ namePattern: '  ' }).namePattern).toBe('{name}-{width}x{height}');
    expect(optionsKey({ method: 'triangle' })).not.toBe(optionsKey({}));
    expect(optionsKey({ scalePercent: 50 })).not.toBe(optionsKey({}));
  });

  it('a percentage scales both sides of the original, never enlarging unless asked', () => {
    expect(planGeometry(1800, 1200, { ...DEFAULT_OPTIONS, scalePercent: 10 }).resized).toEqual({ width: 180, height: 120 });
    expect(planGeometry(1800, 1200, { ...DEFAULT_OPTIONS, scalePercent: 1, fit: 'cover' }).source).toEqual({ x: 0, y: 0, width: 1800, height: 1200 });
    expect(planGeometry(30, 20, { ...DEFAULT_OPTIONS, scalePercent: 200 }).resized).toEqual({ width: 30, height: 20 });
    expect(planGeometry(30, 20, { ...DEFAULT_OPTIONS, scalePercent: 200, allowEnlarge: true }).resized).toEqual({ width: 60, height: 40 });
    expect(planGeometry(1000, 1, { ...DEFAULT_OPTIONS, scalePercent: 1 }).resized).toEqual({ width: 10, height: 1 });
  });
});

describe('file names', () => {
  const fields = { inputName: 'holiday.photo.JPG', width: 256, height: 192, extension: 'webp', options: { fit: 'cover' as const, quality: 80, method: 'lanczos3' as const } };
  it('follows the pattern, {name}-{width}x{height} by default', () => {
    expect(thumbnailFileName(fields)).toBe('holiday.photo-256x192.webp');
    expect(thumbnailFileName(fields, '{name}_{fit}_q{quality}_{format}')).toBe('holiday.photo_cover_q80_webp.webp');
    expect(thumbnailFileName({ ...fields, inputName: 'a:b?.png' }, '{name} {unknown}')).toBe('a_b_ {unknown}.webp');
    expect(thumbnailFileName({ ...fields, inputName: '' })).toBe('image-256x192.webp');
  });
  it('makes names unique, ignoring case as desktop file systems do', () => {
    expect(uniqueFileNames(['a.jpg', 'b.jpg', 'A.jpg', 'a.jpg', 'a-2.jpg', 'noext'])).toEqual(['a.jpg', 'b.jpg', 'A-2.jpg', 'a-3.jpg', 'a-2-2.jpg', 'noext']);
  });
});

describe('describeOptions', () => {
  it('says what made a thumbnail in a few words', () => {
    expect(describeOptions({ ...DEFAULT_OPTIONS, fit: 'cover', width: 200, height: 200 }, 'WebP')).toBe('cover 200×200 · WebP q80');
    expect(describeOptions({ ...DEFAULT_OPTIONS, scalePercent: 50 }, 'PNG')).toBe('50% · PNG');
    expect(describeOptions(applyPreset(DEFAULT_SETTINGS, 'classic'), 'BMP')).toBe('Classic 100×100 · BMP');
    expect(describeOptions({ ...DEFAULT_OPTIONS, method: 'mitchell', allowEnlarge: true }, 'JPEG')).toBe('inside 256×256 · JPEG q80 · mitchell · may enlarge');
  });
});
