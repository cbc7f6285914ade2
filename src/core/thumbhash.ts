import { rgbaToThumbHash } from 'thumbhash';
import type { RawImage } from './image';
import { areaShrink } from './shrink';

/** ThumbHash encodes images up to 100×100; more pixels only cost time. */
const MAX_SIDE = 100;

/**
 * The ThumbHash of a thumbnail, base64 (about 25 bytes, 33 characters): what a
 * web page paints as a blurred placeholder, with the right aspect ratio and
 * alpha, before the image arrives. The thumbnail is first averaged down to fit
 * 100×100, which is all ThumbHash looks at.
 */
export function thumbHashOf(image: RawImage): string {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const small = scale < 1 ? areaShrink(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale))) : image;
  return toBase64(rgbaToThumbHash(small.width, small.height, small.data));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
