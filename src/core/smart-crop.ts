import smartcrop from 'smartcrop';
import type { Crop, CropOptions, CropResult } from 'smartcrop';
import type { RawImage } from './image';
import { areaShrink } from './shrink';

export interface CropRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * smartcrop's shipped index.d.ts only types the canvas path (`CanvasImageSource`) and
 * leaves `imageOperations` out of CropOptions, although smartcrop.js reads it. This is
 * the part of its runtime contract we rely on, so the library can run on RawImage.
 */
interface ImageOperations<T> {
  open(image: T): Promise<T>;
  resample(image: T, width: number, height: number): Promise<T>;
  // analyse() only reads width, height and data; it never checks for an ImgData instance.
  getData(image: T): Promise<RawImage>;
}

interface SmartcropOnRaw {
  crop(image: RawImage, options: CropOptions & { imageOperations: ImageOperations<RawImage> }): Promise<CropResult>;
}

const lib = smartcrop as unknown as SmartcropOnRaw;

/**
 * smartcrop's default operations draw onto a <canvas>, which neither Node nor a worker
 * without OffscreenCanvas has. Its own prescale (short side to 256 px) is the only call
 * to resample, so a shrink-only area average is enough.
 */
const rawImageOperations: ImageOperations<RawImage> = {
  open: (image) => Promise.resolve(image),
  resample: (image, width, height) =>
    // smartcrop passes fractional sizes and truncates the same way when it scales crops.
    Promise.resolve(areaShrink(image, Math.max(1, ~~width), Math.max(1, ~~height))),
  // No copy: smartcrop writes its analysis into a separate buffer, never into the input.
  getData: (image) => Promise.resolve(image),
};

/**
 * The region of `image` with aspect cropWidth:cropHeight that spans the whole short
 * side (the largest such region, as a cover crop uses), placed where smartcrop's
 * skin/edge/saturation scoring puts the subject instead of at the centre.
 *
 * Only the aspect of cropWidth x cropHeight matters; the result is in `image`'s pixels.
 */
export async function smartCropRegion(image: RawImage, cropWidth: number, cropHeight: number): Promise<CropRegion> {
  const { width: imgW, height: imgH } = image;
  if (!(Number.isInteger(imgW) && Number.isInteger(imgH) && imgW > 0 && imgH > 0)) {
    throw new Error(`smartCropRegion: image size ${imgW}x${imgH} is not a positive integer size`);
  }
  if (image.data.length !== imgW * imgH * 4) {
    throw new Error(`smartCropRegion: ${imgW}x${imgH} needs ${imgW * imgH * 4} bytes, got ${image.data.length}`);
  }
  if (!(Number.isFinite(cropWidth) && Number.isFinite(cropHeight) && cropWidth > 0 && cropHeight > 0)) {
    throw new Error(`smartCropRegion: crop size ${cropWidth}x${cropHeight} must be positive and finite`);
  }

  // Sized here rather than taken from smartcrop, whose prescale round trip truncates
  // and can come back a pixel short of the full side.
  const wider = imgW * cropHeight >= imgH * cropWidth;
  const width = wider ? clamp(Math.round((imgH * cropWidth) / cropHeight), 1, imgW) : imgW;
  const height = wider ? imgH : clamp(Math.round((imgW * cropHeight) / cropWidth), 1, imgH);
  if (width === imgW && height === imgH) return { x: 0, y: 0, width, height };

  const result = await lib.crop(image, {
    width: cropWidth,
    height: cropHeight,
    // 1 = only crops spanning the full short side; smaller ones would zoom in and
    // drop more of the picture than a cover crop must.
    minScale: 1,
    imageOperations: rawImageOperations,
  });
  // topCrop is null only if no candidate fitted, which the sizes above rule out;
  // fall back to the plain centred cover crop rather than fail the thumbnail.
  const top: Crop | null = result.topCrop;
  const centreX = top ? top.x + top.width / 2 : imgW / 2;
  const centreY = top ? top.y + top.height / 2 : imgH / 2;
  return {
    x: clamp(Math.round(centreX - width / 2), 0, imgW - width),
    y: clamp(Math.round(centreY - height / 2), 0, imgH - height),
    width,
    height,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
