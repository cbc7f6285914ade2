import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jpegOrientation, readExifOrientation } from '../../src/core/exif';

const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

interface TiffOptions {
  littleEndian?: boolean;
  /** Tag type of the orientation entry (3 = SHORT as the spec says). */
  type?: number;
  /** Offset of IFD0, normally 8 (right after the header). */
  ifdOffset?: number;
  /** Offset written as "next IFD"; pointing back at IFD0 makes a loop. */
  nextIfd?: number;
}

/**
 * A TIFF block as cameras write it: header, then IFD0 with an ImageWidth entry
 * before the Orientation entry (so the reader must scan, not just read entry 0).
 */
function tiffBlock(orientation: number, options: TiffOptions = {}): Uint8Array {
  const { littleEndian = true, type = 3, ifdOffset = 8, nextIfd = 0 } = options;
  const bytes = new Uint8Array(ifdOffset + 2 + 2 * 12 + 4);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, ifdOffset, littleEndian);
  view.setUint16(ifdOffset, 2, littleEndian);
  const entry = (at: number, tag: number, entryType: number, value: number) => {
    view.setUint16(at, tag, littleEndian);
    view.setUint16(at + 2, entryType, littleEndian);
    view.setUint32(at + 4, 1, littleEndian);
    // Inline values are left-justified: a SHORT takes the first two of the four bytes.
    if (entryType === 3) view.setUint16(at + 8, value, littleEndian);
    else view.setUint32(at + 8, value, littleEndian);
  };
  entry(ifdOffset + 2, 0x0100, 4, 640); // ImageWidth, LONG
  entry(ifdOffset + 14, 0x0112, type, orientation);
  view.setUint32(ifdOffset + 26, nextIfd, littleEndian);
  return bytes;
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // 'Exif\0\0'

function segment(marker: number, payload: Uint8Array | number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/** A JPEG header (no real image data) with the given segments between SOI and SOS. */
function jpegWith(...segments: number[][]): Uint8Array {
  const sos = segment(0xda, [1, 1, 0, 0, 63, 0]);
  return Uint8Array.from([0xff, 0xd8, ...segments.flat(), ...sos, 0x12, 0x34, 0xff, 0xd9]);
}

const exifApp1 = (orientation: number, littleEndian = true) =>
  segment(0xe1, [...EXIF_HEADER, ...tiffBlock(orientation, { littleEndian })]);

describe('readExifOrientation', () => {
  for (const littleEndian of [true, false]) {
    const order = littleEndian ? 'little-endian (II)' : 'big-endian (MM)';
    it.each(ORIENTATIONS)(`reads orientation %i from a ${order} block`, (orientation) => {
      expect(readExifOrientation(tiffBlock(orientation, { littleEndian }))).toBe(orientation);
    });
  }

  it('accepts the block with its "Exif\\0\\0" prefix, as some PNG and WebP writers store it', () => {
    expect(readExifOrientation(Uint8Array.from([...EXIF_HEADER, ...tiffBlock(6)]))).toBe(6);
  });

  it('accepts LONG as the tag type (some writers use it)', () => {
    expect(readExifOrientation(tiffBlock(8, { type: 4 }))).toBe(8);
    expect(readExifOrientation(tiffBlock(8, { type: 4, littleEndian: false }))).toBe(8);
  });

  it('reads an IFD0 that is not right after the header', () => {
    expect(readExifOrientation(tiffBlock(5, { ifdOffset: 20 }))).toBe(5);
  });

  it('is not trapped by an IFD chain that loops back on itself', () => {
    expect(readExifOrientation(tiffBlock(7, { nextIfd: 8 }))).toBe(7);
  });

  it.each([0, 9, 255, 0xffff])('gives 1 for the out-of-range value %i', (value) => {
    expect(readExifOrientation(tiffBlock(value))).toBe(1);
  });

  it('gives 1 for a wrong tag type (ASCII)', () => {
    expect(readExifOrientation(tiffBlock(6, { type: 2 }))).toBe(1);
  });

  it('gives 1 for empty, garbage and non-TIFF input', () => {
    expect(readExifOrientation(new Uint8Array(0))).toBe(1);
    expect(readExifOrientation(Uint8Array.from([0x49, 0x49, 42]))).toBe(1);
    expect(readExifOrientation(new TextEncoder().encode('<x:xmpmeta>not tiff</x:xmpmeta>'))).toBe(1);
    const badMagic = tiffBlock(6);
    badMagic[2] = 43;
    expect(readExifOrientation(badMagic)).toBe(1);
  });

  it('gives 1 when IFD0 points past the end', () => {
    expect(readExifOrientation(tiffBlock(6, { ifdOffset: 8 }).subarray(0, 12))).toBe(1);
    const farOffset = tiffBlock(6);
    new DataView(farOffset.buffer).setUint32(4, 0xfffffff0, true);
    expect(readExifOrientation(farOffset)).toBe(1);
  });

  it('gives 1 when the entry count promises more entries than there are bytes', () => {
    const block = tiffBlock(6);
    new DataView(block.buffer).setUint16(8, 0xffff, true);
    // The orientation entry (second) is still there and is read before the cut matters.
    expect(readExifOrientation(block)).toBe(6);
    const onlyWidth = tiffBlock(6).subarray(0, 8 + 2 + 12 + 6);
    expect(readExifOrientation(onlyWidth)).toBe(1);
  });

  it('never throws and always gives 1..8, whatever the bytes (every cut, random damage)', () => {
    const valid = tiffBlock(6, { littleEndian: false });
    for (let cut = 0; cut <= valid.length; cut++) {
      expect(ORIENTATIONS).toContain(readExifOrientation(valid.subarray(0, cut)));
    }
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let round = 0; round < 2000; round++) {
      const damaged = valid.slice();
      for (let k = 0; k < 3; k++) damaged[random() % damaged.length] = random();
      expect(ORIENTATIONS).toContain(readExifOrientation(damaged));
    }
  });
});

describe('jpegOrientation', () => {
  it.each(ORIENTATIONS)('finds orientation %i in the APP1 Exif segment', (orientation) => {
    expect(jpegOrientation(jpegWith(segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0]), exifApp1(orientation, false)))).toBe(orientation);
  });

  it('skips a non-Exif APP1 (XMP) and uses the first Exif one', () => {
    const xmp = segment(0xe1, [...new TextEncoder().encode('http://ns.adobe.com/xap/1.0/\0<x/>')]);
    expect(jpegOrientation(jpegWith(xmp, exifApp1(6), exifApp1(3)))).toBe(6);
  });

  it('tolerates fill bytes and stray bytes between segments, as libjpeg does', () => {
    const bytes = jpegWith([0xff, 0xff, 0x00, 0x17], exifApp1(8));
    expect(jpegOrientation(bytes)).toBe(8);
  });

  it('ignores anything after the start of scan', () => {
    const bytes = Uint8Array.from([...jpegWith(), ...exifApp1(6)]);
    expect(jpegOrientation(bytes)).toBe(1);
  });

  it('gives 1 without Exif, for a cut-off Exif segment, and for non-JPEG bytes', () => {
    expect(jpegOrientation(jpegWith())).toBe(1);
    const full = jpegWith(exifApp1(6));
    expect(jpegOrientation(full.subarray(0, 20))).toBe(1);
    expect(jpegOrientation(new Uint8Array(0))).toBe(1);
    expect(jpegOrientation(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe(1);
  });
});

// The shared corpus sits beside the repository: <repo>/../shared/corpus.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const orientationDir = path.resolve(repoRoot, '../shared/corpus', 'exif-orientation');
const haveCorpus = existsSync(orientationDir);
if (!haveCorpus) console.warn(`exif.test.ts: corpus not found at ${orientationDir}; skipping the Landscape_N/Portrait_N checks.`);

describe.skipIf(!haveCorpus)('corpus: exif-orientation/{Landscape,Portrait}_N.jpg', () => {
  for (const shape of ['Landscape', 'Portrait']) {
    it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])(`${shape}_%i.jpg gives orientation N (0 -> 1)`, (n) => {
      const bytes = new Uint8Array(readFileSync(path.join(orientationDir, `${shape}_${n}.jpg`)));
      expect(jpegOrientation(bytes)).toBe(n === 0 ? 1 : n);
    });
  }
});

describe('stripJpegExif', () => {
  it('cuts out the Exif segments and keeps every other byte, so the orientation reads 1', async () => {
    const { stripJpegExif, jpegOrientation, readJpegSegments } = await import('../../src/core/exif');
    const file = new Uint8Array(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/portrait-orientation6.jpg')));
    expect(jpegOrientation(file)).toBe(6);
    const stripped = stripJpegExif(file);
    expect(jpegOrientation(stripped)).toBe(1);
    const before = readJpegSegments(file).segments.filter((s) => s.marker !== 0xe1);
    const after = readJpegSegments(stripped).segments;
    expect(after.map((s) => s.marker)).toEqual(before.map((s) => s.marker));
    // Everything after the header (the scan) is byte-identical.
    const scanBytes = (b: Uint8Array) => b.subarray(readJpegSegments(b).segments.at(-1)!.end);
    expect(Buffer.from(scanBytes(stripped)).equals(Buffer.from(scanBytes(file)))).toBe(true);
  });

  it('returns a file without Exif unchanged', async () => {
    const { stripJpegExif } = await import('../../src/core/exif');
    const noExif = new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x04, 1, 2, 0xff, 0xd9]);
    expect(stripJpegExif(noExif)).toBe(noExif);
  });
});
