import { describe, expect, it } from 'vitest';
import { ThumbnailError } from '../../src/core/errors';
import { DEFAULT_OPTIONS, normaliseOptions, optionsKey, parseHexColour } from '../../src/core/options';

describe('normaliseOptions', () => {
  it('fills the defaults: inside 256x256, same format, never enlarge', () => {
    expect(normaliseOptions({})).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS).toMatchObject({ width: 256, height: 256, fit: 'inside', format: 'same', allowEnlarge: false, maxPixels: 100_000_000 });
  });
  it('canonicalises spellings', () => {
    const o = normaliseOptions({ format: 'JPG' as never, fit: 'COVER' as never, background: '#FFAA00', width: '120' as never });
    expect(o).toMatchObject({ format: 'jpeg', fit: 'cover', background: '#ffaa00', width: 120 });
  });
  it.each([
    [{ width: 0 }, 'Width must be between 1 and 8192'],
    [{ height: 9000 }, 'Height must be between 1 and 8192'],
    [{ width: Number.NaN }, 'Width must be a number'],
    [{ quality: 101 }, 'Quality must be between 1 and 100'],
    [{ fit: 'zoom' as never }, 'Fit must be one of'],
    [{ format: 'tiff' as never }, 'Format must be one of'],
    [{ background: 'red' }, 'Background must be a colour'],
  ])('refuses %j with a message naming the field', (input, message) => {
    try {
      normaliseOptions(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ThumbnailError);
      expect((e as ThumbnailError).code).toBe('invalid-options');
      expect((e as ThumbnailError).message).toContain(message);
    }
  });
});

describe('optionsKey', () => {
  it('is the same for equal options written in a different order or spelling', () => {
    const a = optionsKey({ width: 100, height: 50, fit: 'cover', format: 'jpeg' });
    const b = optionsKey({ format: 'jpg' as never, fit: 'cover', height: 50, width: 100 });
    expect(a).toBe(b);
    expect(optionsKey({})).toBe(optionsKey(DEFAULT_OPTIONS));
  });
  it('differs for any real difference', () => {
    const base = optionsKey({});
    for (const change of [{ width: 255 }, { height: 255 }, { fit: 'fill' as const }, { format: 'png' as const }, { quality: 79 }, { background: '#000000' }, { allowEnlarge: true }, { maxPixels: 5 }]) {
      expect(optionsKey(change), JSON.stringify(change)).not.toBe(base);
    }
  });
});

it('parseHexColour', () => {
  expect(parseHexColour('#ff8000')).toEqual([255, 128, 0]);
});

describe('encoder settings and crop focus', () => {
  it('fill each codec setting with its default, check its range, and drop keys no codec declares', () => {
    expect(normaliseOptions({}).encoderSettings).toEqual({ speed: 8 });
    expect(normaliseOptions({ encoderSettings: { speed: '9' as unknown as number } }).encoderSettings).toEqual({ speed: 9 });
    expect(normaliseOptions({ encoderSettings: { speed: 6, gone: 3 } }).encoderSettings).toEqual({ speed: 6 });
    expect(() => normaliseOptions({ encoderSettings: { speed: 11 } })).toThrow('AVIF speed must be between 0 and 10; got 11.');
  });

  it('take a crop focus of centre or smart, and a format any codec can write, or same, or legacy', () => {
    expect(normaliseOptions({ focus: 'SMART' as 'smart' }).focus).toBe('smart');
    expect(() => normaliseOptions({ focus: 'faces' as 'smart' })).toThrow('Crop focus must be one of centre, smart; got "faces".');
    for (const format of ['same', 'legacy', 'jpeg', 'png', 'webp', 'avif', 'bmp'] as const) expect(normaliseOptions({ format }).format).toBe(format);
    expect(() => normaliseOptions({ format: 'gif' })).toThrow('Format must be one of same, jpeg, png, webp, avif, bmp; got "gif".');
  });
});
