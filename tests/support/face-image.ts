/**
 * A synthetic portrait for the smart-crop tests (unit and end to end): made in
 * code, so no photo of a person (and no licence) is needed.
 */
import { createRawImage, type RawImage } from '../../src/core/image';

export interface Face {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/**
 * A flat grey-blue picture with one skin-toned, shaded face-like ellipse: dark eyes,
 * mouth and brows give the edge detail smartcrop weights skin by, and the background
 * is too unsaturated and too flat to score. Deterministic, no files.
 */
export function faceImage(width: number, height: number, face: Face): RawImage {
  const img = createRawImage(width, height);
  const d = img.data;
  const s = face.rx / 70; // features scale with the face
  const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
    ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let rgb: [number, number, number] = [120, 135, 155];
      if (inEllipse(x, y, face.cx, face.cy, face.rx, face.ry)) {
        // Gentle shading so the skin is not one flat colour.
        const shade = 1 - 0.12 * ((x - face.cx) / face.rx) ** 2 - 0.08 * ((y - face.cy) / face.ry) ** 2;
        rgb = [224 * shade, 172 * shade, 140 * shade];
        const eyeY = face.cy - 0.2 * face.ry;
        const eyeDx = 0.38 * face.rx;
        if (
          inEllipse(x, y, face.cx - eyeDx, eyeY, 11 * s, 7 * s) ||
          inEllipse(x, y, face.cx + eyeDx, eyeY, 11 * s, 7 * s)
        ) {
          rgb = [45, 35, 30];
        } else if (
          Math.abs(y - (eyeY - 16 * s)) < 3 * s &&
          Math.abs(Math.abs(x - face.cx) - eyeDx) < 14 * s
        ) {
          rgb = [90, 60, 45]; // brows
        } else if (inEllipse(x, y, face.cx, face.cy + 0.45 * face.ry, 24 * s, 6 * s)) {
          rgb = [150, 60, 60]; // mouth
        } else if (Math.abs(x - face.cx) < 3 * s && y > eyeY && y < face.cy + 0.2 * face.ry) {
          rgb = [185, 135, 110]; // nose line
        }
      }
      d[o] = rgb[0];
      d[o + 1] = rgb[1];
      d[o + 2] = rgb[2];
      d[o + 3] = 255;
    }
  }
  return img;
}

