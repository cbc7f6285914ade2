import { createRawImage, type RawImage } from './image';

/** Copies a rectangle out of an image (cover mode's centre crop). */
export function crop(image: RawImage, x: number, y: number, width: number, height: number): RawImage {
  if (x === 0 && y === 0 && width === image.width && height === image.height) return image;
  const out = createRawImage(width, height);
  const rowBytes = width * 4;
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 4;
    out.data.set(image.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return out;
}

/**
 * Draws `image` at (x, y) on a canvas of the background colour (contain's letterbox).
 * With keepAlpha (PNG and WebP output) the image's own pixels keep their alpha,
 * since alpha is flattened only where the output cannot hold it; otherwise they
 * are blended onto the background and the result is opaque.
 */
export function placeOnCanvas(
  image: RawImage,
  canvasW: number,
  canvasH: number,
  x: number,
  y: number,
  background: [number, number, number],
  keepAlpha = false,
): RawImage {
  const out = createRawImage(canvasW, canvasH);
  const d = out.data;
  const [br, bg, bb] = background;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = br; d[i + 1] = bg; d[i + 2] = bb; d[i + 3] = 255;
  }
  const s = image.data;
  if (keepAlpha) {
    const rowBytes = image.width * 4;
    for (let row = 0; row < image.height; row++) {
      d.set(s.subarray(row * rowBytes, (row + 1) * rowBytes), ((row + y) * canvasW + x) * 4);
    }
    return out;
  }
  for (let row = 0; row < image.height; row++) {
    for (let col = 0; col < image.width; col++) {
      const si = (row * image.width + col) * 4;
      const di = ((row + y) * canvasW + (col + x)) * 4;
      blendInto(d, di, s, si);
    }
  }
  return out;
}

/** The image flattened onto an opaque background (for JPEG, which has no alpha). */
export function flatten(image: RawImage, background: [number, number, number]): RawImage {
  return placeOnCanvas(image, image.width, image.height, 0, 0, background);
}

function blendInto(dst: Uint8ClampedArray, di: number, src: Uint8ClampedArray, si: number): void {
  const a = src[si + 3]!;
  if (a === 255) {
    dst[di] = src[si]!; dst[di + 1] = src[si + 1]!; dst[di + 2] = src[si + 2]!;
    return;
  }
  const k = a / 255;
  dst[di] = src[si]! * k + dst[di]! * (1 - k);
  dst[di + 1] = src[si + 1]! * k + dst[di + 1]! * (1 - k);
  dst[di + 2] = src[si + 2]! * k + dst[di + 2]! * (1 - k);
}
