/**
 * The pixel buffer every stage passes along: 8-bit RGBA, row-major, no padding.
 * Structurally the same as the DOM's ImageData, so jSquash accepts it, but a
 * plain object so it can be made in Node and in a worker without the DOM.
 */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export function createRawImage(width: number, height: number, data?: Uint8ClampedArray): RawImage {
  const expected = width * height * 4;
  if (data && data.length !== expected) {
    throw new Error(`RawImage: ${width}x${height} needs ${expected} bytes, got ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8ClampedArray(expected) };
}

/**
 * The image with pixels that own their whole buffer. jSquash's WASM glue reads
 * `data.buffer` from offset 0 to its end, so a view into a larger buffer would
 * hand it the wrong bytes; copy only in that case.
 */
export function withOwnBuffer(image: RawImage): RawImage {
  const d = image.data;
  return d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? image : { ...image, data: d.slice() };
}

/** True when any pixel is not fully opaque. */
export function hasTransparency(image: RawImage): boolean {
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

/** EXIF orientation values 1..8 (1 = as stored). */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
