import type { FitMode } from './options';

/**
 * Where the thumbnail's pixels come from and where they go, for one fit mode.
 * All sizes are in DISPLAYED orientation (after EXIF rotation).
 *
 * Worked example, 'cover' 4000x3000 into 256x256: scale = max(256/4000, 256/3000)
 * = 0.0853; the source region that fills the box is 3000x3000 centred (x 500..3500),
 * resized to 256x256 and placed at 0,0 on a 256x256 canvas.
 */
export interface GeometryPlan {
  /** Region of the source to use (cover crops; the others take the whole image). */
  source: { x: number; y: number; width: number; height: number };
  /** Size that region is resized to. */
  resized: { width: number; height: number };
  /** Output canvas (larger than `resized` only for 'contain', which letterboxes). */
  canvas: { width: number; height: number };
  /** Where the resized region is drawn on the canvas. */
  offset: { x: number; y: number };
}

export interface FitRequest {
  width: number;
  height: number;
  fit: FitMode;
  allowEnlarge: boolean;
  /** Above 0, a percentage of the source instead of the box (see ThumbnailOptions.scalePercent). */
  scalePercent?: number;
}

/** Rounds a scaled side, never to 0: a 10000x1 strip fitted in 256x256 is 256x1, not 256x0. */
export function side(length: number): number {
  return Math.max(1, Math.round(length));
}

export function planGeometry(srcWidth: number, srcHeight: number, req: FitRequest): GeometryPlan {
  const whole = { x: 0, y: 0, width: srcWidth, height: srcHeight };
  const cap = (scale: number) => (req.allowEnlarge ? scale : Math.min(scale, 1));

  if (req.scalePercent && req.scalePercent > 0) {
    // Both axes by the same factor: the aspect ratio is kept up to rounding, so there is nothing to fit.
    const scale = cap(req.scalePercent / 100);
    const resized = { width: side(srcWidth * scale), height: side(srcHeight * scale) };
    return { source: whole, resized, canvas: resized, offset: { x: 0, y: 0 } };
  }

  switch (req.fit) {
    case 'inside':
    case 'contain': {
      const scale = cap(Math.min(req.width / srcWidth, req.height / srcHeight));
      const resized = {
        width: Math.min(side(srcWidth * scale), req.width),
        height: Math.min(side(srcHeight * scale), req.height),
      };
      if (req.fit === 'inside') {
        return { source: whole, resized, canvas: resized, offset: { x: 0, y: 0 } };
      }
      const canvas = { width: req.width, height: req.height };
      const offset = {
        x: Math.floor((canvas.width - resized.width) / 2),
        y: Math.floor((canvas.height - resized.height) / 2),
      };
      return { source: whole, resized, canvas, offset };
    }
    case 'cover': {
      const scale = cap(Math.max(req.width / srcWidth, req.height / srcHeight));
      // Without enlargement a small image gives a box no bigger than itself.
      const out = {
        width: Math.min(req.width, side(srcWidth * scale)),
        height: Math.min(req.height, side(srcHeight * scale)),
      };
      const cropW = Math.min(srcWidth, Math.max(1, Math.round(out.width / scale)));
      const cropH = Math.min(srcHeight, Math.max(1, Math.round(out.height / scale)));
      const source = {
        x: Math.floor((srcWidth - cropW) / 2),
        y: Math.floor((srcHeight - cropH) / 2),
        width: cropW,
        height: cropH,
      };
      return { source, resized: out, canvas: out, offset: { x: 0, y: 0 } };
    }
    case 'fill': {
      const resized = req.allowEnlarge
        ? { width: req.width, height: req.height }
        : { width: Math.min(req.width, srcWidth), height: Math.min(req.height, srcHeight) };
      return { source: whole, resized, canvas: resized, offset: { x: 0, y: 0 } };
    }
  }
}

/** Stored size -> displayed size: orientations 5..8 swap the axes. */
export function displayedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 ? { width: height, height: width } : { width, height };
}
