import resizeWasm, { initResize } from '@jsquash/resize';
import { providedWasm } from './codecs/wasm';
import type { ResizeMethod } from './options';
import { hasTransparency, withOwnBuffer, type RawImage } from './image';
import { areaShrink } from './shrink';
import { codecLoaded } from './errors';

/** The resizer's WebAssembly inside node_modules, for runtimes that compile it themselves (src/node/wasm.ts). */
export const RESIZE_WASM = { resize: '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm' } as const;

/**
 * Quality resize: lanczos3 (or the chosen kernel) from @jsquash/resize, always with
 * fitMethod 'stretch' (its 'contain' is really a centre crop that also mutates the
 * input; DESIGN.md §3). The geometry is decided beforehand by planGeometry; this
 * only changes size.
 */
export async function kernelResize(image: RawImage, width: number, height: number, method: ResizeMethod = 'lanczos3'): Promise<RawImage> {
  if (image.width === width && image.height === height) return image;
  await codecLoaded('resizer', initResize(providedWasm('resize')));
  const alpha = hasTransparency(image);
  const input = withOwnBuffer(image);
  const out = await resizeWasm(input as ImageData, {
    width,
    height,
    method,
    fitMethod: 'stretch',
    // Premultiplying stops transparent pixels' colour bleeding into edges; for opaque
    // images it only costs time. Linear-light resizing was measured further from an
    // sRGB reference (libvips), so it stays off.
    premultiply: alpha,
    linearRGB: false,
  });
  return { width: out.width, height: out.height, data: out.data };
}

/**
 * When an axis is more than PRESHRINK_TRIGGER times the target, average down to
 * PRESHRINK_MARGIN times the target first: lanczos3 then has enough pixels for its
 * kernel but no longer walks the whole photo. (12 MP -> 256 px: 4000 px wide is
 * averaged to 512, then lanczos3 takes 512 -> 256.)
 */
export const PRESHRINK_TRIGGER = 3;
export const PRESHRINK_MARGIN = 2;

/** Size to pre-shrink a stored image to, given the scale each stored axis must reach. */
export function preshrinkSize(width: number, height: number, scaleX: number, scaleY: number): { width: number; height: number } {
  const axis = (len: number, scale: number) =>
    scale * PRESHRINK_TRIGGER < 1 ? Math.max(1, Math.min(len, Math.ceil(len * scale * PRESHRINK_MARGIN))) : len;
  return { width: axis(width, scaleX), height: axis(height, scaleY) };
}

export function preshrink(image: RawImage, scaleX: number, scaleY: number): RawImage {
  const size = preshrinkSize(image.width, image.height, scaleX, scaleY);
  if (size.width === image.width && size.height === image.height) return image;
  return areaShrink(image, size.width, size.height);
}
