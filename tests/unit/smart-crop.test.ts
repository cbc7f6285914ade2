import { describe, expect, it } from 'vitest';
import { createRawImage, type RawImage } from '../../src/core/image';
import { smartCropRegion, type CropRegion } from '../../src/core/smart-crop';
import { faceImage, type Face } from '../support/face-image';

/** Reproducible noise (LCG) for images with no subject at all. */
function noiseImage(width: number, height: number, seed = 1): RawImage {
  const img = createRawImage(width, height);
  let state = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    img.data[i] = (i & 3) === 3 ? 255 : state >>> 24;
  }
  return img;
}

const faceBox = (f: Face) => ({ x0: f.cx - f.rx, x1: f.cx + f.rx, y0: f.cy - f.ry, y1: f.cy + f.ry });

function contains(r: CropRegion, f: Face): boolean {
  const b = faceBox(f);
  return r.x <= b.x0 && r.x + r.width >= b.x1 && r.y <= b.y0 && r.y + r.height >= b.y1;
}

/** What a plain cover crop takes: the same size, centred. */
function centred(imgW: number, imgH: number, w: number, h: number): CropRegion {
  return { x: Math.floor((imgW - w) / 2), y: Math.floor((imgH - h) / 2), width: w, height: h };
}

function expectValidRegion(r: CropRegion, imgW: number, imgH: number, cropW: number, cropH: number): void {
  for (const v of [r.x, r.y, r.width, r.height]) expect(Number.isInteger(v)).toBe(true);
  expect(r.x).toBeGreaterThanOrEqual(0);
  expect(r.y).toBeGreaterThanOrEqual(0);
  expect(r.width).toBeGreaterThanOrEqual(1);
  expect(r.height).toBeGreaterThanOrEqual(1);
  expect(r.x + r.width).toBeLessThanOrEqual(imgW);
  expect(r.y + r.height).toBeLessThanOrEqual(imgH);
  // Full short side: one axis spans the whole image.
  expect(r.width === imgW || r.height === imgH).toBe(true);
  // Aspect within a pixel: the other side is the rounded exact size.
  if (r.height === imgH && r.width !== imgW) {
    expect(Math.abs(r.width - (imgH * cropW) / cropH)).toBeLessThanOrEqual(1);
  } else if (r.width === imgW && r.height !== imgH) {
    expect(Math.abs(r.height - (imgW * cropH) / cropW)).toBeLessThanOrEqual(1);
  } else {
    // The whole image: only when its aspect already matches to within a pixel.
    const fits = Math.abs(imgW - (imgH * cropW) / cropH) <= 1 || Math.abs(imgH - (imgW * cropH) / cropW) <= 1;
    expect(fits).toBe(true);
  }
}

describe('smartCropRegion finds the subject a centred crop would cut', () => {
  // Each: image size, face, crop asked for, the aspect that crop means, what the region must also match.
  // Each fixture is only meaningful if the centred crop of that aspect loses the face.
  const cases: [string, [number, number], Face, [number, number], [number, number], [number, number], Record<string, number>][] = [
    ['landscape, face on the left, square crop', [600, 400], { cx: 110, cy: 200, rx: 70, ry: 90 }, [400, 400], [400, 400], [400, 400], { y: 0, width: 400, height: 400 }],
    ['landscape, face on the right (mirrored), square crop', [600, 400], { cx: 490, cy: 200, rx: 70, ry: 90 }, [400, 400], [400, 400], [400, 400], { y: 0, width: 400, height: 400 }],
    ['portrait, face near the top, wide 16:9 crop', [400, 700], { cx: 200, cy: 120, rx: 60, ry: 75 }, [400, 225], [1600, 900], [16, 9], { x: 0, width: 400, height: 225 }],
    ['portrait, face near the bottom, wide crop', [400, 700], { cx: 200, cy: 590, rx: 60, ry: 75 }, [400, 225], [320, 180], [16, 9], {}],
    ['landscape, face on the left, tall 9:16 crop of a wide image', [640, 400], { cx: 130, cy: 200, rx: 60, ry: 80 }, [225, 400], [90, 160], [9, 16], { y: 0, width: 225, height: 400 }],
  ];
  it.each(cases)('%s', async (_label, [w, h], face, [centredW, centredH], [cropW, cropH], [aspectW, aspectH], also) => {
    expect(contains(centred(w, h, centredW, centredH), face)).toBe(false);
    const r = await smartCropRegion(faceImage(w, h, face), cropW, cropH);
    expectValidRegion(r, w, h, aspectW, aspectH);
    expect(r).toMatchObject(also);
    expect(contains(r, face)).toBe(true);
  });

  // Below 256 px on the short side smartcrop analyses at full size; above, it calls our resample.
  it.each([
    ['small, no prescale', 0.5],
    ['large, prescaled', 2],
  ])('works at other sizes (%s)', async (_label, k) => {
    const face: Face = { cx: 110 * k, cy: 200 * k, rx: 70 * k, ry: 90 * k };
    const img = faceImage(600 * k, 400 * k, face);
    expect(contains(centred(600 * k, 400 * k, 400 * k, 400 * k), face)).toBe(false);

    const r = await smartCropRegion(img, 1, 1);
    expectValidRegion(r, 600 * k, 400 * k, 1, 1);
    expect(contains(r, face)).toBe(true);
  });
});

describe('smartCropRegion geometry', () => {
  const cases: [number, number, number, number][] = [
    [600, 400, 1, 1],
    [600, 400, 16, 9],
    [600, 400, 9, 16],
    [600, 400, 3, 1], // wider than the image: full width, shorter height
    [400, 600, 1, 1],
    [400, 600, 4, 3],
    [512, 512, 16, 9],
    [512, 512, 9, 16],
    [17, 11, 1, 1],
    [5, 3, 2, 3],
    [1000, 7, 1, 1],
    [7, 1000, 1, 1],
    [333, 201, 1000, 1000], // crop size above the image: only the aspect counts
    [641, 359, 256, 144],
  ];
  it.each(cases)('%ix%i cropped to %i:%i stays inside, keeps the aspect and the full short side', async (w, h, cw, ch) => {
    const r = await smartCropRegion(noiseImage(w, h, w * 31 + h), cw, ch);
    expectValidRegion(r, w, h, cw, ch);
  });

  it('returns exact sizes for a simple case', async () => {
    expect(await smartCropRegion(noiseImage(600, 400), 16, 9)).toMatchObject({ x: 0, width: 600, height: 338 });
    expect(await smartCropRegion(noiseImage(600, 400), 9, 16)).toMatchObject({ y: 0, width: 225, height: 400 });
  });

  it('returns the whole image when the aspect already matches', async () => {
    expect(await smartCropRegion(noiseImage(640, 360), 16, 9)).toEqual({ x: 0, y: 0, width: 640, height: 360 });
    expect(await smartCropRegion(noiseImage(300, 300), 50, 50)).toEqual({ x: 0, y: 0, width: 300, height: 300 });
  });

  it('does not modify the input pixels', async () => {
    const img = faceImage(600, 400, { cx: 110, cy: 200, rx: 70, ry: 90 });
    const before = img.data.slice();
    await smartCropRegion(img, 1, 1);
    // Counted rather than toEqual: a deep diff of a million bytes takes seconds.
    let changed = 0;
    for (let i = 0; i < before.length; i++) if (img.data[i] !== before[i]) changed++;
    expect(changed).toBe(0);
  });

  it('rejects unusable sizes', async () => {
    const img = noiseImage(10, 10);
    await expect(smartCropRegion(img, 0, 10)).rejects.toThrow(/crop size/);
    await expect(smartCropRegion(img, 10, Number.NaN)).rejects.toThrow(/crop size/);
    await expect(smartCropRegion(img, -1, 10)).rejects.toThrow(/crop size/);
    await expect(smartCropRegion({ width: 10, height: 10, data: new Uint8ClampedArray(4) }, 1, 1)).rejects.toThrow(/bytes/);
    await expect(smartCropRegion({ width: 0, height: 10, data: new Uint8ClampedArray(0) }, 1, 1)).rejects.toThrow(/image size/);
  });
});
