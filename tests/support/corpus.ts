/**
 * The shared public image corpus (../shared/corpus) and its MANIFEST.tsv, as the
 * conformance run and the output tests read it. CI has it; a clone elsewhere may
 * not, and the tests that need it skip with a message then.
 */
import { existsSync, readFileSync } from 'node:fs';
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

export function readManifest(): ManifestEntry[] {
  const [, ...rows] = readFileSync(resolve(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [path, category, , expected, width, height, notes] = row.split('\t');
    return { path: path!, category: category!, expected: expected as ManifestEntry['expected'], width: Number(width), height: Number(height), notes: notes ?? '' };
  });
}
