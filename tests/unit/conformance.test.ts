/**
 * Conformance: the core pipeline over the public test suites in ../shared/corpus.
 *
 * - every `valid` file gives a thumbnail whose displayed aspect ratio is right (within 1 px),
 * - every `invalid` file gives a typed error,
 * - `questionable` files may go either way, but never hang or crash,
 * - no thumbnail is bigger than both its input and a plain re-encode of its pixels
 *   (output never needlessly worse than input); sizes are reported per category,
 * - known exceptions live in tests/conformance-exceptions.ts, each with its reason.
 *   An exception that starts passing fails the run, so the list stays true.
 * Each file runs in a worker thread with a time limit, so a hang is caught, not waited on.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planGeometry } from '../../src/core/geometry';
import { DEFAULT_OPTIONS } from '../../src/core/options';
import { ConformancePool, type PoolOutcome } from '../support/conformance-pool';
import { KNOWN_EXCEPTIONS } from '../conformance-exceptions';
import { CORPUS, corpusPresent, FIXTURES, readFixtureManifests, readManifest, type ManifestEntry } from '../support/corpus';

const CATEGORIES = ['pngsuite', 'bmpsuite', 'exif-orientation', 'jpeg-tricky', 'jpeg-corrupt', 'png-tricky'] as const;
/** Generous: the slowest valid file (a 100 MP JPEG) takes a few seconds; a hang takes forever. */
const PER_FILE_TIMEOUT_MS = 60_000;
const TYPED_CODES = new Set(['empty', 'unsupported-format', 'unsupported-feature', 'corrupt', 'truncated', 'too-large']);

type Entry = ManifestEntry;

/** The manifest gives STORED sizes; for EXIF orientations 5-8 the notes give the displayed one. */
function displayed(e: Entry): { width: number; height: number } {
  const m = /displayed (\d+)x(\d+)/.exec(e.notes);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: e.width, height: e.height };
}

type Verdict = 'pass' | 'fail' | 'expected-failure';

function judge(e: Entry, o: PoolOutcome): { verdict: Verdict; why: string } {
  if (!o.ok && (o.code === 'hang' || o.code === 'crash')) return { verdict: 'fail', why: `${o.code}: ${o.message}` };
  if (!o.ok && !TYPED_CODES.has(o.code)) return { verdict: 'fail', why: `untyped error ${o.code}: ${o.message}` };

  const exception = KNOWN_EXCEPTIONS[e.path];
  const meetsManifest = (): { ok: boolean; why: string } => {
    if (e.expected === 'questionable') return { ok: true, why: '' };
    if (e.expected === 'invalid') return o.ok ? { ok: false, why: `gave a ${o.width}x${o.height} thumbnail; expected an error` } : { ok: true, why: '' };
    if (!o.ok) return { ok: false, why: `${o.code}: ${o.message}` };
    const shown = displayed(e);
    const want = planGeometry(shown.width, shown.height, DEFAULT_OPTIONS).resized;
    const close = Math.abs(o.width - want.width) <= 1 && Math.abs(o.height - want.height) <= 1;
    return close ? { ok: true, why: '' } : { ok: false, why: `thumbnail ${o.width}x${o.height}, expected ${want.width}x${want.height} (source shown ${shown.width}x${shown.height})` };
  };
  const m = meetsManifest();
  if (!exception) return m.ok ? { verdict: 'pass', why: '' } : { verdict: 'fail', why: m.why };
  if (m.ok) return { verdict: 'fail', why: `listed as a known exception but now meets the manifest: remove it from tests/conformance-exceptions.ts` };
  const asListed = exception.outcome === 'thumbnail' ? o.ok : !o.ok && (!exception.code || exception.code === o.code);
  return asListed ? { verdict: 'expected-failure', why: exception.reason } : { verdict: 'fail', why: `known exception, but the outcome changed: ${m.why}` };
}

const present = corpusPresent;
if (!present) console.warn(`[conformance] ${CORPUS} is absent: the corpus conformance run is skipped on this machine (CI has it).`);

describe.skipIf(!present)('conformance over ../shared/corpus', () => {
  it('every valid file gives a thumbnail, every invalid one a typed error, nothing hangs', async () => {
    const entries = readManifest().filter((e) => (CATEGORIES as readonly string[]).includes(e.category));
    const { failures, results } = await runConformance(entries, CORPUS, CATEGORIES);
    const unknown = Object.keys(KNOWN_EXCEPTIONS).filter((p) => !results.has(p));
    for (const p of unknown) failures.push(`${p}: listed in conformance-exceptions.ts but not in the manifest's tested categories`);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 20 * 60_000);
});

describe('conformance over our own fixtures of the formats the corpus lacks (tests/fixtures/*/MANIFEST.tsv)', () => {
  it('every valid file gives a thumbnail of its displayed shape, every invalid one a typed error', async () => {
    const entries = readFixtureManifests();
    const categories = [...new Set(entries.map((e) => e.category))];
    expect(categories.length, 'fixture categories').toBeGreaterThan(0);
    const { failures } = await runConformance(entries, FIXTURES, categories);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 5 * 60_000);
});

/** Runs every entry through the pipeline in worker threads, logs a line per category, and returns what failed. */
async function runConformance(entries: Entry[], root: string, categories: readonly string[]) {
  const results = new Map<string, { entry: Entry; outcome: PoolOutcome; verdict: Verdict; why: string }>();
  const pool = new ConformancePool(2, PER_FILE_TIMEOUT_MS);
  await pool.runAll(entries.map((e) => resolve(root, e.path)), (abs, outcome) => {
    const entry = entries.find((e) => resolve(root, e.path) === abs)!;
    results.set(entry.path, { entry, outcome, ...judge(entry, outcome) });
  });

  const failures: string[] = [];
  for (const category of categories) {
    const rows = [...results.values()].filter((r) => r.entry.category === category);
    const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
    const slowest = rows.reduce((a, r) => Math.max(a, r.outcome.ms), 0);
    console.log(
      `[conformance] ${category}: ${count('pass')} passed / ${count('fail')} failed / ${count('expected-failure')} expected failures (${rows.length} files, slowest ${Math.round(slowest)} ms)`,
    );
    for (const r of rows.filter((r) => r.verdict === 'fail')) failures.push(`${r.entry.path} [${r.entry.expected}]: ${r.why}`);
    const made = rows.flatMap((r) => (r.outcome.ok ? [r.outcome] : []));
    if (made.length > 0) {
      const sum = (f: (o: (typeof made)[number]) => number) => made.reduce((n, o) => n + f(o), 0);
      const bigger = made.filter((o) => o.outputBytes > o.inputBytes).length;
      console.log(
        `[conformance] ${category} sizes: output ${Math.round((100 * sum((o) => o.outputBytes)) / sum((o) => o.inputBytes))}% of input in all, ` +
          `${Math.round((100 * sum((o) => o.outputBytes)) / sum((o) => o.plainBytes))}% of a plain re-encode; ` +
          `${made.filter((o) => o.keptOriginal).length} originals kept, ${bigger} of ${made.length} bigger than their input`,
      );
    }
    for (const r of rows) {
      const o = r.outcome;
      if (o.ok && o.outputBytes > o.inputBytes && o.outputBytes > o.plainBytes) {
        failures.push(`${r.entry.path}: thumbnail ${o.outputBytes} B is bigger than both its input (${o.inputBytes} B) and a plain re-encode (${o.plainBytes} B)`);
      }
    }
  }
  return { failures, results };
}
