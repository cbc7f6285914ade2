/**
 * HEIC (libheif-js) and AVIF's rotation and mirroring, on the fixtures
 * scripts/fixtures/make-heif.ts made (tests/fixtures/heif/README.md). Each valid
 * fixture has a reference PNG from libheif's own heif-convert, which applies
 * irot/imir and never an EXIF orientation: our thumbnails must match it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { heicCodec } from '../../src/core/codecs/heic';
import { pngCodec } from '../../src/core/codecs/png';
import { sniffFormat } from '../../src/core/codecs/registry';
import { isThumbnailError } from '../../src/core/errors';
import type { RawImage } from '../../src/core/image';
import { generateThumbnail } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';
import { FIXTURES, readManifest } from '../support/corpus';
import { meanDifference } from '../support/pixels';

beforeAll(provideNodeWasm);

const HEIF = resolve(FIXTURES, 'heif');
const read = (name: string) => new Uint8Array(readFileSync(resolve(HEIF, name)));
const entries = readManifest(resolve(HEIF, 'MANIFEST.tsv'));

/** Our thumbnail at full size (nothing to resize), as PNG so the comparison sees our decode, not a lossy re-encode. */
async function decodedUpright(bytes: Uint8Array): Promise<RawImage> {
  const t = await generateThumbnail(bytes, { width: 2000, height: 2000, format: 'png' });
  return pngCodec.decode(t.bytes);
}

/** The colour at (x, y), as [r, g, b]. */
function rgbAt(image: RawImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 3)];
}

const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 90 && b! < 90;
const isBlue = ([r, g, b]: number[]) => b! > 160 && r! < 90 && g! < 90;

/** Where the notes say the red block is displayed, as the pixel 6 px in from that corner (scaled for the big thumbnail fixture). */
function redCorner(notes: string, image: RawImage): [number, number] {
  const corner = /red block (top|bottom)-(left|right)/.exec(notes)!;
  const inset = Math.round(6 * (image.width / (image.width > image.height ? 120 : 80)));
  return [corner[2] === 'left' ? inset : image.width - 1 - inset, corner[1] === 'top' ? inset : image.height - 1 - inset];
}

describe('every HEIC and rotated AVIF fixture comes out upright, as libheif shows it', () => {
  it.each(entries.map((e) => [e.path, e] as const))('%s', async (_path, entry) => {
    const bytes = read(entry.path.replace(/^heif\//, ''));
    const image = await decodedUpright(bytes);
    expect([image.width, image.height]).toEqual([entry.width, entry.height]);
    const [x, y] = redCorner(entry.notes, image);
    expect(isRed(rgbAt(image, x, y)), `red at ${x},${y}: ${rgbAt(image, x, y)}`).toBe(true);
    expect(isBlue(rgbAt(image, image.width - 1 - x, image.height - 1 - y)), 'blue in the opposite corner').toBe(true);
    // The reference PNG is libheif's own decode (16-bit for the 10-bit file, which our PNG decoder brings to 8).
    const reference = await pngCodec.decode(read(entry.path.replace(/^heif\//, '').replace(/\.(heic|avif)$/, '.ref.png')));
    expect(meanDifference(image, reference)).toBeLessThan(3);
  });
});

describe('HEIC', () => {
  it('a phone photo with irot and an EXIF orientation is turned once, by irot alone; a disagreeing EXIF tag is ignored', async () => {
    // Both stored 120×80; the EXIF tags (6 and 3) would turn them again or differently.
    expect(heicCodec.probe(read('phone-irot-exif6.heic'))).toMatchObject({ width: 80, height: 120, orientation: 1 });
    expect(heicCodec.probe(read('irot90-exif3.heic'))).toMatchObject({ width: 80, height: 120, orientation: 1 });
  });

  it('a photo becomes a JPEG under "Same as input", one with transparency a PNG that keeps it', async () => {
    const photo = await generateThumbnail(read('plain.heic'), { width: 60, height: 60 });
    expect([photo.format, photo.width, photo.height]).toEqual(['jpeg', 60, 40]);
    const clear = await generateThumbnail(read('alpha.heic'), { width: 60, height: 60 });
    expect([clear.format, clear.hasAlpha]).toEqual(['png', true]);
    const pixels = await pngCodec.decode(clear.bytes);
    expect(pixels.data[(20 * 60 + 30) * 4 + 3]).toBe(0); // the middle band is transparent
    expect(pixels.data[(20 * 60 + 5) * 4 + 3]).toBe(255);
  });

  it("uses the file's own thumbnail item when it is at least the size needed, and the full image otherwise", async () => {
    const bytes = read('thumbnail.heic'); // 480×320 with a 96×64 thumbnail
    const small = await heicCodec.decodeAtLeast!(bytes, { width: 90, height: 60 });
    expect([small?.width, small?.height]).toEqual([96, 64]);
    expect(await heicCodec.decodeAtLeast!(bytes, { width: 97, height: 60 })).toBeNull();
    expect(await heicCodec.decodeAtLeast!(read('plain.heic'), { width: 10, height: 10 })).toBeNull(); // it has none
    // Through the pipeline the result is the thumbnail's size either way, and looks the same.
    const fromThumbnail = await generateThumbnail(bytes, { width: 90, height: 90, format: 'png' });
    const fromFull = await generateThumbnail(bytes, { width: 200, height: 200, format: 'png' });
    expect([fromThumbnail.width, fromThumbnail.height, fromFull.width, fromFull.height]).toEqual([90, 60, 200, 133]);
    expect(isRed(rgbAt(await pngCodec.decode(fromThumbnail.bytes), 4, 4))).toBe(true);
  });

  it('is refused over the pixel limit from its header alone', async () => {
    await expect(generateThumbnail(read('thumbnail.heic'), { maxPixels: 100_000 })).rejects.toMatchObject({ code: 'too-large' });
  });

  it('sniffs by its brand, not its name; a file cut in its first boxes is a cut-short HEIC', async () => {
    expect(sniffFormat(read('plain.heic')).format).toBe('heic');
    expect(sniffFormat(read('avif-orient-1.avif')).format).toBe('avif');
    expect(() => sniffFormat(read('plain.heic').subarray(0, 14))).toThrow(expect.objectContaining({ code: 'truncated' }));
    await expect(generateThumbnail(read('plain.heic').subarray(0, 30))).rejects.toMatchObject({ code: 'truncated', message: expect.stringContaining('HEIC photo') });
  });

  it('damaged and cut-short copies give a typed error each, never anything else', async () => {
    const TYPED = new Set(['corrupt', 'truncated', 'unsupported-feature', 'codec-crashed']);
    const codes = new Map<string, number>();
    for (const name of ['plain.heic', 'grid-irot.heic', 'alpha.heic']) {
      const bytes = read(name);
      const copies: Uint8Array[] = [];
      for (const cut of [0.1, 0.3, 0.5, 0.7, 0.9, 0.98]) copies.push(bytes.subarray(0, Math.floor(bytes.length * cut)));
      for (const at of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]) {
        const flipped = new Uint8Array(bytes);
        for (let i = 0; i < 8; i++) flipped[Math.floor(bytes.length * at) + i]! ^= 0xa5;
        copies.push(flipped);
      }
      for (const copy of copies) {
        try {
          await generateThumbnail(copy, { width: 64, height: 64 });
          codes.set('made', (codes.get('made') ?? 0) + 1); // damage in the pixels can still decode to something
        } catch (e) {
          expect(isThumbnailError(e), String(e)).toBe(true);
          const code = (e as { code: string }).code;
          expect(TYPED.has(code), `${name}: ${code}`).toBe(true);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
    }
    expect(codes.get('truncated') ?? 0).toBeGreaterThan(0);
    expect(codes.get('corrupt') ?? 0).toBeGreaterThan(0);
    // And the decoder still works afterwards.
    expect((await generateThumbnail(read('plain.heic'), { width: 60, height: 60 })).width).toBe(60);
  });
});
