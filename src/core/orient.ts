import { createRawImage, type Orientation, type RawImage } from './image';

/**
 * Turns a stored image into its displayed orientation, as EXIF tag 0x0112 says.
 *
 * For each displayed pixel (x, y) we read one stored pixel; W and H are the
 * STORED width and height. Orientations 5..8 swap the axes, so a phone's
 * portrait photo (stored 4032x3024, orientation 6) comes out 3024x4032.
 *   1 as stored            (x, y)
 *   2 mirrored             (W-1-x, y)
 *   3 rotated 180          (W-1-x, H-1-y)
 *   4 flipped              (x, H-1-y)
 *   5 transposed           (y, x)
 *   6 rotated 90 clockwise (y, H-1-x)
 *   7 transversed          (W-1-y, H-1-x)
 *   8 rotated 90 anticlockwise (W-1-y, x)
 * Runs after the pre-shrink, on a small image, so its cost is negligible.
 */
export function applyOrientation(image: RawImage, orientation: Orientation): RawImage {
  if (orientation === 1) return image;
  const W = image.width;
  const H = image.height;
  const swap = orientation >= 5;
  const outW = swap ? H : W;
  const outH = swap ? W : H;
  const out = createRawImage(outW, outH);
  // One 32-bit word per pixel: copying RGBA as a unit is 4x fewer operations.
  const src = new Uint32Array(image.data.buffer, image.data.byteOffset, W * H);
  const dst = new Uint32Array(out.data.buffer, out.data.byteOffset, outW * outH);
  const storedIndex = storedIndexFor(orientation, W, H);
  for (let y = 0; y < outH; y++) {
    const row = y * outW;
    for (let x = 0; x < outW; x++) dst[row + x] = src[storedIndex(x, y)]!;
  }
  return out;
}

function storedIndexFor(o: Orientation, W: number, H: number): (x: number, y: number) => number {
  switch (o) {
    case 1: return (x, y) => y * W + x;
    case 2: return (x, y) => y * W + (W - 1 - x);
    case 3: return (x, y) => (H - 1 - y) * W + (W - 1 - x);
    case 4: return (x, y) => (H - 1 - y) * W + x;
    case 5: return (x, y) => x * W + y;
    case 6: return (x, y) => (H - 1 - x) * W + y;
    case 7: return (x, y) => (H - 1 - x) * W + (W - 1 - y);
    case 8: return (x, y) => x * W + (W - 1 - y);
  }
}
