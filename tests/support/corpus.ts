/**
 * The shared public image corpus (../shared/corpus) and its MANIFEST.tsv, as the
 * conformance run and the output tests read it. CI has it; a clone elsewhere may
 * not, and the tests that need it skip with a message then.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
export const corpusPresent = existsSync(resolve(CORPUS, 'MANIFEST.tsv'));

export interface ManifestEntry {
  path: string;
  category: string;
  /** What a good decoder does with it: a thumbnail, an error, or either. */
  expected: 'valid' | 'invalid' | 'questionable';
  /** Stored size. */
  width: number;
  height: number;
  notes: string;
}

/** The rows of a MANIFEST.tsv (the corpus's by default); paths stay relative to the manifest's root. */
export function readManifest(file = resolve(CORPUS, 'MANIFEST.tsv')): ManifestEntry[] {
  const [, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [path, category, , expected, width, height, notes] = row.split('\t');
    return { path: path!, category: category!, expected: expected as ManifestEntry['expected'], width: Number(width), height: Number(height), notes: notes ?? '' };
  });
}

/**
 * Our own fixtures of the formats the corpus has none of (HEIC, AVIF with
 * rotations, TIFF, JPEG XL): each folder of tests/fixtures with a MANIFEST.tsv in
 * the corpus's columns, paths relative to tests/fixtures. They are in the
 * repository, so their conformance run never skips.
 */
export const FIXTURES = resolve(import.meta.dirname, '../fixtures');

export function readFixtureManifests(): ManifestEntry[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(resolve(FIXTURES, d.name, 'MANIFEST.tsv')))
    .flatMap((d) => readManifest(resolve(FIXTURES, d.name, 'MANIFEST.tsv')));
}
