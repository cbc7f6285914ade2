import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ThumbnailOptions } from '../../src/core/options';
import { generateThumbnails, plannedOutputs } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';
import { CORPUS, corpusPresent, FIXTURES, readFixtureManifests, readManifest } from '../support/corpus';

// plannedOutputs tells, from the header alone, what generateThumbnails will write:
// the command-line tool skips an input whose outputs exist on that word, so it must
// be exactly right wherever it answers at all.

beforeAll(provideNodeWasm);

const OPTION_SETS: Partial<ThumbnailOptions>[] = [
  {},
  { width: 100, height: 60, fit: 'cover', format: 'webp' },
  { width: 50, height: 80, fit: 'contain', format: 'same' },
  { width: 120, height: 120, fit: 'fill', format: 'legacy', allowEnlarge: true },
  { scalePercent: 30 },
];

async function compare(bytes: Uint8Array, label: string): Promise<'answered' | 'declined' | 'failed'> {
  const planned = plannedOutputs(bytes, OPTION_SETS);
  let made;
  try {
    made = await generateThumbnails(bytes, OPTION_SETS);
  } catch {
    return 'failed';
  }
  if (!planned) return 'declined';
  expect(planned, label).toEqual(made.map((t) => ({ width: t.width, height: t.height, extension: t.extension })));
  return 'answered';
}

describe('plannedOutputs', () => {
  it('matches what is made, size and extension, for our fixtures', async () => {
    const files = [
      ...readdirSync(FIXTURES).filter((f) => /\.(jpe?g|png|bmp)$/i.test(f)),
      ...readFixtureManifests().filter((e) => e.expected === 'valid').map((e) => e.path),
    ];
    const answered = [];
    for (const file of files) if ((await compare(new Uint8Array(readFileSync(resolve(FIXTURES, file))), file)) === 'answered') answered.push(file);
    expect(answered.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it.skipIf(!corpusPresent)('matches what is made for every valid file of the corpus (skipped: ../shared/corpus is not here)', async () => {
    const entries = readManifest().filter((e) => e.expected === 'valid' && e.width * e.height <= 4_000_000);
    const counts = { answered: 0, declined: 0, failed: 0 };
    for (const entry of entries) counts[await compare(new Uint8Array(readFileSync(resolve(CORPUS, entry.path))), entry.path)]++;
    // It may decline (a format whose output hangs on transparency), but rarely.
    expect(counts.answered).toBeGreaterThan(0.9 * entries.length);
  }, 300_000);

  it('declines what cannot be told from the header', () => {
    expect(plannedOutputs(new TextEncoder().encode('not an image at all'), [{}])).toBeNull();
    const landscape = new Uint8Array(readFileSync(resolve(FIXTURES, 'landscape.jpg')));
    expect(plannedOutputs(landscape.subarray(0, 10), [{}])).toBeNull();
    expect(plannedOutputs(landscape, [{ maxPixels: 1000 }])).toBeNull();
    expect(plannedOutputs(landscape, [{}])).toEqual([{ width: 256, height: 171, extension: 'jpg' }]);
  });
});
