import { describe, expect, it } from 'vitest';
import { displayedSize, planGeometry, type FitRequest } from '../../src/core/geometry';

const req = (fit: FitRequest['fit'], width = 256, height = 256, allowEnlarge = false): FitRequest => ({ fit, width, height, allowEnlarge });

describe('inside', () => {
  it('keeps the aspect ratio within the box', () => {
    const p = planGeometry(4000, 3000, req('inside'));
    expect(p.resized).toEqual({ width: 256, height: 192 });
    expect(p.canvas).toEqual(p.resized);
    expect(p.source).toEqual({ x: 0, y: 0, width: 4000, height: 3000 });
  });
  it('fits portrait images by height', () => {
    expect(planGeometry(1200, 1800, req('inside')).resized).toEqual({ width: 171, height: 256 });
  });
  it('never enlarges unless allowed', () => {
    expect(planGeometry(32, 16, req('inside')).resized).toEqual({ width: 32, height: 16 });
    expect(planGeometry(32, 16, req('inside', 256, 256, true)).resized).toEqual({ width: 256, height: 128 });
  });
  it('never rounds a side to 0', () => {
    expect(planGeometry(10000, 1, req('inside')).resized).toEqual({ width: 256, height: 1 });
    expect(planGeometry(1, 10000, req('inside')).resized).toEqual({ width: 1, height: 256 });
  });
});

describe('cover', () => {
  it('fills the box and crops the centre', () => {
    const p = planGeometry(4000, 3000, req('cover'));
    expect(p.resized).toEqual({ width: 256, height: 256 });
    expect(p.source).toEqual({ x: 500, y: 0, width: 3000, height: 3000 });
  });
  it('crops top and bottom of a tall image', () => {
    const p = planGeometry(1000, 3000, req('cover', 200, 100));
    expect(p.resized).toEqual({ width: 200, height: 100 });
    expect(p.source).toEqual({ x: 0, y: 1250, width: 1000, height: 500 });
  });
  it('without enlargement, a small image gives a box no bigger than itself', () => {
    const p = planGeometry(100, 50, req('cover', 80, 80));
    expect(p.resized).toEqual({ width: 80, height: 50 });
    expect(p.source).toEqual({ x: 10, y: 0, width: 80, height: 50 });
  });
});

describe('contain', () => {
  it('letterboxes within the full box', () => {
    const p = planGeometry(4000, 3000, req('contain'));
    expect(p.resized).toEqual({ width: 256, height: 192 });
    expect(p.canvas).toEqual({ width: 256, height: 256 });
    expect(p.offset).toEqual({ x: 0, y: 32 });
  });
  it('centres a small image without enlarging it', () => {
    const p = planGeometry(32, 32, req('contain', 100, 50));
    expect(p.resized).toEqual({ width: 32, height: 32 });
    expect(p.canvas).toEqual({ width: 100, height: 50 });
    expect(p.offset).toEqual({ x: 34, y: 9 });
  });
});

describe('fill', () => {
  it('stretches to exactly the box (the old API did 100x100)', () => {
    expect(planGeometry(4000, 3000, req('fill', 100, 100)).resized).toEqual({ width: 100, height: 100 });
  });
  it('does not enlarge either axis unless allowed', () => {
    expect(planGeometry(50, 400, req('fill', 100, 100)).resized).toEqual({ width: 50, height: 100 });
    expect(planGeometry(50, 400, req('fill', 100, 100, true)).resized).toEqual({ width: 100, height: 100 });
  });
});

describe('displayedSize', () => {
  it('swaps axes for orientations 5 to 8 only', () => {
    for (const o of [1, 2, 3, 4]) expect(displayedSize(30, 20, o)).toEqual({ width: 30, height: 20 });
    for (const o of [5, 6, 7, 8]) expect(displayedSize(30, 20, o)).toEqual({ width: 20, height: 30 });
  });
});
