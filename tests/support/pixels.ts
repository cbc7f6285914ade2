import { expect } from 'vitest';
import type { RawImage } from '../../src/core/image';

/** Mean absolute difference per channel of two same-size images. */
export function meanDifference(a: RawImage, b: RawImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}
