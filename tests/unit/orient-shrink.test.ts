import { describe, expect, it } from 'vitest';
import { createRawImage, type Orientation, type RawImage } from '../../src/core/image';
import { applyOrientation } from '../../src/core/orient';
import { areaShrink } from '../../src/core/shrink';

/** A 3x2 image whose pixel values encode their stored position: R = x, G = y. */
function marked(): RawImage {
  const img = createRawImage(3, 2);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) img.data.set([x, y, 0, 255], (y * 3 + x) * 4);
  return img;
}
const at = (img: RawImage, x: number, y: number) => [img.data[(y * img.width + x) * 4], img.data[(y * img.width + x) * 4 + 1]];

describe('applyOrientation', () => {
  // Where the stored top-left pixel (0,0) lands in the displayed image, per EXIF.
  const topLeftLandsAt: Record<Orientation, [number, number]> = {
    1: [0, 0], 2: [2, 0], 3: [2, 1], 4: [0, 1], 5: [0, 0], 6: [1, 0], 7: [1, 2], 8: [0, 2],
  };
  it.each(Object.entries(topLeftLandsAt))('orientation %s moves the stored top-left pixel to %j', (o, [x, y]) => {
    const out = applyOrientation(marked(), Number(o) as Orientation);
    expect(out.width).toBe(Number(o) >= 5 ? 2 : 3);
    expect(out.height).toBe(Number(o) >= 5 ? 3 : 2);
    expect(at(out, x, y)).toEqual([0, 0]);
  });
  it('6 rotates clockwise: the stored bottom-left comes to the top-left', () => {
    expect(at(applyOrientation(marked(), 6), 0, 0)).toEqual([0, 1]);
  });
  it('8 rotates anticlockwise: the stored top-right comes to the top-left', () => {
    expect(at(applyOrientation(marked(), 8), 0, 0)).toEqual([2, 0]);
  });
});

describe('areaShrink', () => {
  it('averages exact spans, including fractional ones', () => {
    // 3 pixels of 0, 90, 180 shrunk to 2: spans [0,1.5) and [1.5,3).
    const img = createRawImage(3, 1, new Uint8ClampedArray([0, 0, 0, 255, 90, 90, 90, 255, 180, 180, 180, 255]));
    const out = areaShrink(img, 2, 1);
    expect(Array.from(out.data)).toEqual([30, 30, 30, 255, 150, 150, 150, 255]);
  });
  it('keeps a flat colour flat and fully transparent pixels do not tint the rest', () => {
    const img = createRawImage(4, 4);
    for (let i = 0; i < 16; i++) img.data.set(i % 2 ? [255, 0, 0, 0] : [0, 0, 255, 255], i * 4);
    const out = areaShrink(img, 2, 2);
    for (let i = 0; i < 4; i++) expect(Array.from(out.data.subarray(i * 4, i * 4 + 4))).toEqual([0, 0, 255, 128]);
  });
});
