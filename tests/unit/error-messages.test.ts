import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sniffFormat, SUPPORTED_FORMATS_TEXT } from '../../src/core/codecs/registry';
import { codecLoaded, ThumbnailError } from '../../src/core/errors';

/** What a person reads when bytes are not an image we can make a thumbnail of: plain words first, the bytes behind "Details". */
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(__dirname, '../fixtures', name)));
const ascii = (s: string) => new TextEncoder().encode(s);

function sniffError(bytes: Uint8Array): ThumbnailError {
  try {
    sniffFormat(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ThumbnailError);
    return e as ThumbnailError;
  }
  throw new Error('expected an error');
}

describe('sniffFormat errors', () => {
  it('calls a file that starts with a known signature but is broken damaged, never "not an image"', () => {
    const jpeg = fixture('landscape.jpg');
    const damaged = jpeg.slice(0, 2000);
    damaged[2] = 0xfe; // ff d8 fe ff: SOI, then garbage where a marker belongs
    const e = sniffError(damaged);
    expect(e.code).toBe('corrupt');
    expect(e.message).toBe('This JPEG is damaged and cannot be shown.');
    expect(e.detail).toContain('ff d8 fe');

    const png = fixture('alpha.png').slice(0, 300);
    png[3] = 0x00;
    expect(sniffError(png)).toMatchObject({ code: 'corrupt', message: 'This PNG is damaged and cannot be shown.' });
    const gif = new Uint8Array([...ascii('GIF8x'), 0, 0, 1, 0, 1, 0, 0, 0, ...new Array(40).fill(0)]);
    expect(sniffError(gif)).toMatchObject({ code: 'corrupt', message: 'This GIF is damaged and cannot be shown.' });
  });

  it('calls a file too short for any header, that starts like an image, cut short', () => {
    expect(sniffError(ascii('BM'))).toMatchObject({ code: 'truncated', message: 'This BMP is damaged: it ends before the image data is complete.' });
    expect(sniffError(new Uint8Array([0xff, 0xd8]))).toMatchObject({ code: 'truncated' });
    expect(sniffError(new Uint8Array([0x89, 0x50, 0x4e]))).toMatchObject({ code: 'truncated' });
  });

  it.each([
    ['a text file', ascii('these are not pixels, only words\nand more words\n'), 'This is a text file, not an image.'],
    ['text that starts like a BMP', ascii('BMW is a car, and this is a long enough sentence about it.\n'), 'This is a text file, not an image.'],
    ['UTF-8 text', ascii('Grüße aus Köln — über 9000 Wörter, ganz ohne Bilder. ✓\n'), 'This is a text file, not an image.'],
    ['a web page', ascii('<!doctype html><html><body>hi</body></html>'), 'This is a web page (HTML), not an image.'],
    ['JSON', ascii('{"image_data": "iVBOR"}'), "This is JSON text, not an image. To use the old API's JSON, paste it into the text box."],
    ['a PDF', ascii('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj'), 'This is a PDF document, not an image.'],
    ['a phone video', new Uint8Array([0, 0, 0, 20, ...ascii('ftypqt  '), 0, 0, 2, 0, ...ascii('qt  wide')]), 'This is a video (MP4 or MOV), not an image.'],
    ['random bytes', new Uint8Array([0x00, 0x13, 0x37, 0x99, 0xaa, 0, 1, 2]), 'This is not an image format we can read.'],
  ])('describes %s in plain words, with the first bytes behind Details', (_, bytes, message) => {
    const e = sniffError(bytes);
    expect(e.code).toBe('unsupported-format');
    expect(e.message).toBe(message);
    expect(e.message).not.toMatch(/bytes [0-9a-f]{2} /); // no hex in the headline
    expect(e.detail).toMatch(/^It starts with bytes [0-9a-f]{2}/);
    expect(e.detail).toContain(`We read ${SUPPORTED_FORMATS_TEXT}.`);
  });

  it('an empty file says so', () => {
    expect(sniffError(new Uint8Array(0))).toMatchObject({ code: 'empty' });
  });
});

describe('a codec that cannot be loaded', () => {
  it('is reported as the codec failing to load, not as a damaged file, with the loader\'s words behind "Details"', async () => {
    // What WebKit's fetch says when a worker's request for a codec's .wasm gets no answer.
    const failed = await codecLoaded('PNG codec', Promise.reject(new TypeError('Load failed'))).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ThumbnailError);
    expect(failed).toMatchObject({ code: 'codec-unavailable', detail: 'Load failed.' });
    expect((failed as ThumbnailError).message).toMatch(/^The PNG codec could not be loaded.*Reload the page/);
    // A typed error from the start-up itself passes through unchanged.
    const typed = new ThumbnailError('codec-crashed', 'x');
    await expect(codecLoaded('PNG codec', Promise.reject(typed))).rejects.toBe(typed);
    await expect(codecLoaded('PNG codec', Promise.resolve())).resolves.toBeUndefined();
  });
});
