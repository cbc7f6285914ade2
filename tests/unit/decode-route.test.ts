import { describe, expect, it } from 'vitest';
import { CODECS } from '../../src/core/codecs/registry';
import { DECODER_ORDER, decodeRouteKey, decodersFor, parseDecodeRoute } from '../../src/core/decode-route';
import type { DecodeRequest } from '../../src/core/pipeline';
import { dctStepFor } from '../../src/worker/decoders/webcodecs';

describe('decode routes', () => {
  it('every format has an order, and every order ends in or includes our decoder', () => {
    for (const { format } of CODECS) expect(DECODER_ORDER[format]).toContain('core');
  });

  it("a forced route puts that decoder first and ours after it; 'core' is ours alone", () => {
    expect(decodersFor('webcodecs', 'png')).toEqual(['webcodecs', 'core']);
    expect(decodersFor('bitmap', 'jpeg')).toEqual(['bitmap', 'core']);
    expect(decodersFor('core', 'jpeg')).toEqual(['core']);
    expect(decodersFor('auto', 'jpeg')[0]).toBe('webcodecs');
  });

  it('reads ?decoder= strictly, and the auto route carries its table version into the cache key', () => {
    expect(parseDecodeRoute('core')).toBe('core');
    expect(parseDecodeRoute('webcodecs')).toBe('webcodecs');
    expect(parseDecodeRoute('browser')).toBe('auto');
    expect(parseDecodeRoute(null)).toBe('auto');
    expect(decodeRouteKey('auto')).toMatch(/^auto-\d+$/);
    expect(decodeRouteKey('core')).toBe('core');
  });
});

describe('dctStepFor: the size asked of a scaled JPEG decode', () => {
  const request = (w: number, h: number, lw: number, lh: number): DecodeRequest => ({
    full: { width: w, height: h },
    least: { width: lw, height: lh },
    ideal: { width: lw * 2, height: lh * 2 },
    orientation: 1,
  });
  it('is the smallest 1/8 step at least the size the resize needs, never below 1/8', () => {
    expect(dctStepFor(request(4032, 3024, 256, 192))).toEqual({ width: 504, height: 378 });
    expect(dctStepFor(request(6000, 4000, 256, 171))).toEqual({ width: 750, height: 500 });
    expect(dctStepFor(request(4032, 3024, 600, 450))).toEqual({ width: 1008, height: 756 });
    // Rounded up as libjpeg rounds: 4001/8 = 500.1 -> 501.
    expect(dctStepFor(request(4001, 3001, 256, 192))).toEqual({ width: 501, height: 376 });
    // A crop: one axis needs more than the other.
    expect(dctStepFor(request(4000, 1000, 256, 256))).toEqual({ width: 1500, height: 375 });
  });
  it('is null when only full size would do', () => {
    expect(dctStepFor(request(800, 600, 780, 585))).toBeNull();
  });
});
