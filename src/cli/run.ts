/**
 * One command-line run: every input through the worker pool into the output
 * folder. Inputs are read when their turn comes, with at most a few per thread in
 * memory at once (bounded read-ahead), and every outcome is reported as it happens.
 */
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ThumbnailError, toErrorData, type ThumbnailErrorData } from '../core/errors';
import { thumbnailFileName } from '../core/naming';
import { plannedOutputs, type PlannedOutput } from '../core/pipeline';
import { outputOptions, type BatchSettings } from '../core/settings';
import type { NodeThumbnailPool } from '../node/pool';
import type { UrlFetcher } from '../node/fetch-url';
import type { CliInput } from './inputs';

export interface OutputFile {
  path: string;
  width: number;
  height: number;
  bytes: number;
  /** False: the file was already there and --overwrite was not given, so it was left alone. */
  written: boolean;
}

export type ItemOutcome =
  | { status: 'done'; input: CliInput; inputBytes: number; outputs: OutputFile[]; ms: number }
  | { status: 'skipped'; input: CliInput; inputBytes: number; outputs: OutputFile[]; ms: number }
  | { status: 'failed'; input: CliInput; error: ThumbnailErrorData; ms: number };

export interface RunOptions {
  inputs: readonly CliInput[];
  outDir: string;
  overwrite: boolean;
  settings: BatchSettings;
  pool: NodeThumbnailPool;
  fetchUrl: UrlFetcher;
  onOutcome: (outcome: ItemOutcome) => void;
  signal?: AbortSignal;
}

/** Inputs read ahead per thread: enough to keep each busy while the next file loads, no more. */
const READ_AHEAD_PER_THREAD = 2;

export async function runAll(options: RunOptions): Promise<void> {
  const { inputs, pool, signal } = options;
  const ctx: ItemContext = { ...options, optionsList: outputOptions(options.settings), names: new OutputNames(inputs), turns: new Turns() };
  let next = 0;
  const lane = async () => {
    while (!signal?.aborted && next < inputs.length) {
      const index = next++;
      const outcome = await processOne(inputs[index]!, index, ctx);
      if (!signal?.aborted || outcome.status !== 'failed') options.onOutcome(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inputs.length, pool.size * READ_AHEAD_PER_THREAD) }, lane));
}

interface ItemContext extends RunOptions {
  optionsList: ReturnType<typeof outputOptions>;
  names: OutputNames;
  turns: Turns;
}

async function processOne(input: CliInput, index: number, ctx: ItemContext): Promise<ItemOutcome> {
  const started = performance.now();
  const failed = (error: ThumbnailErrorData): ItemOutcome => ({ status: 'failed', input, error, ms: performance.now() - started });
  try {
    if (input.kind === 'error') return failed(input.error);
    let bytes: Uint8Array;
    try {
      bytes = await readInput(input, ctx);
    } catch (e) {
      return failed(toErrorData(e));
    }
    const inputBytes = bytes.byteLength;
    const inputName = input.kind === 'file' ? basename(input.path) : input.name;
    const folder = join(ctx.outDir, input.kind === 'file' ? input.relDir : '');
    const namesFor = (made: readonly PlannedOutput[]) =>
      made.map((t, i) => thumbnailFileName({ inputName, width: t.width, height: t.height, extension: t.extension, options: ctx.optionsList[i]! }, ctx.settings.namePattern));

    // Names are handed out in input order, so the same inputs always get the same
    // names (a second 'photo.jpg' is always the '-2'), however the threads finish.
    // Most inputs' names are known from the header; then an earlier run's outputs
    // are found without decoding anything.
    const planned = plannedOutputs(bytes, ctx.optionsList);
    let paths: string[] | undefined;
    if (planned) {
      await ctx.turns.mine(index);
      paths = ctx.names.claimAll(folder, namesFor(planned));
      ctx.turns.pass(index);
      if (!ctx.overwrite) {
        const existing = await Promise.all(paths.map(fileSize));
        if (existing.every((size) => size !== null)) {
          const outputs = uniqueOutputs(paths, planned, (i) => ({ bytes: existing[i]!, written: false }));
          return { status: 'skipped', input, inputBytes, outputs, ms: performance.now() - started };
        }
      }
    }

    const result = await ctx.pool.run(bytes, ctx.optionsList, ctx.signal);
    if (!result.ok) return failed(result.error);
    const made = result.thumbnails.map((t) => ({ width: t.width, height: t.height, extension: t.extension }));
    if (!paths || !planned || planned.some((p, i) => namesFor([p])[0] !== namesFor([made[i]!])[0])) {
      if (!planned) await ctx.turns.mine(index);
      paths = ctx.names.claimAll(folder, namesFor(made));
      ctx.turns.pass(index);
    }
    const outputs: OutputFile[] = [];
    try {
      await mkdir(folder, { recursive: true });
      for (const [i, output] of uniqueOutputs(paths, made, () => ({ bytes: 0, written: false })).entries()) {
        const data = new Uint8Array(result.thumbnails[paths.indexOf(output.path)]!.bytes);
        const written = await writeOutput(output.path, data, ctx.overwrite);
        outputs[i] = { ...output, bytes: written ? data.byteLength : ((await fileSize(output.path)) ?? 0), written };
      }
    } catch (e) {
      return failed({ code: 'unreadable', message: `The thumbnail could not be written: ${(e as Error).message}.` });
    }
    const status = outputs.every((o) => !o.written) ? 'skipped' : 'done';
    return { status, input, inputBytes, outputs, ms: performance.now() - started };
  } finally {
    ctx.turns.pass(index); // every path through here gives the next input its turn
  }
}

/**
 * One entry per distinct file: a size set on a small image can give the same size
 * twice (64 and 128 of a 32×32 icon are both 32×32, never enlarged), which is one file.
 */
function uniqueOutputs(paths: readonly string[], made: readonly PlannedOutput[], rest: (i: number) => { bytes: number; written: boolean }): OutputFile[] {
  return paths.flatMap((path, i) => (paths.indexOf(path) === i ? [{ path, width: made[i]!.width, height: made[i]!.height, ...rest(i) }] : []));
}

/** Turns in input order: mine(i) waits until every input before i has passed. */
class Turns {
  private next = 0;
  private readonly passed = new Set<number>();
  private readonly waiting = new Map<number, () => void>();

  mine(index: number): Promise<void> {
    if (index <= this.next) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(index, resolve));
  }

  pass(index: number): void {
    if (index < this.next || this.passed.has(index)) return;
    this.passed.add(index);
    while (this.passed.has(this.next)) this.passed.delete(this.next++);
    const wake = this.waiting.get(this.next);
    if (wake) {
      this.waiting.delete(this.next);
      wake();
    }
  }
}

async function readInput(input: Exclude<CliInput, { kind: 'error' }>, ctx: ItemContext): Promise<Uint8Array> {
  if (input.kind === 'bytes') return input.bytes;
  if (input.kind === 'url') return ctx.fetchUrl(input.url, { signal: ctx.signal });
  try {
    return new Uint8Array(await readFile(input.path));
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const why = error.code === 'ENOENT' ? 'it is gone' : error.code === 'EACCES' ? 'permission denied' : error.code === 'EISDIR' ? 'it is a folder' : error.message;
    throw new ThumbnailError('unreadable', `${input.label} could not be read: ${why}.`);
  }
}

/**
 * Writes the whole file under a temporary name first, so a run stopped midway
 * leaves no half-written thumbnail. Without overwrite, link() claims the final
 * name only if nothing is there (atomically: two runs at once cannot both write).
 */
async function writeOutput(path: string, data: Uint8Array, overwrite: boolean): Promise<boolean> {
  const partial = `${path}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(partial, data);
  try {
    if (overwrite) {
      await rename(partial, path);
      return true;
    }
    await link(partial, path).catch(async (e: NodeJS.ErrnoException) => {
      // File systems without hard links (some network and FAT mounts): a plain exclusive write.
      if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'EXDEV') await writeFile(path, data, { flag: 'wx' });
      else throw e;
    });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(partial, { force: true });
  }
}

async function fileSize(path: string): Promise<number | null> {
  return stat(path).then((s) => (s.isFile() ? s.size : null), () => null);
}

/**
 * Output names, unique within the run (case-insensitively, as Windows and macOS
 * compare them): a second 'photo-256x171.jpg' in one folder becomes
 * 'photo-256x171-2.jpg'. An input's own path is never handed out, so even
 * `-o .` with --overwrite cannot replace an original.
 */
class OutputNames {
  private readonly taken = new Set<string>();

  constructor(inputs: readonly CliInput[]) {
    for (const input of inputs) if (input.kind === 'file') this.taken.add(resolve(input.path).toLowerCase());
  }

  /** Names for one input's thumbnails; the same name twice (the same size twice) is one file. */
  claimAll(folder: string, names: readonly string[]): string[] {
    const mine = new Map<string, string>();
    return names.map((name) => {
      const claimed = mine.get(name) ?? this.claim(folder, name);
      mine.set(name, claimed);
      return claimed;
    });
  }

  private claim(folder: string, name: string): string {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = join(folder, name);
    for (let n = 2; this.taken.has(resolve(candidate).toLowerCase()); n++) candidate = join(folder, `${stem}-${n}${ext}`);
    this.taken.add(resolve(candidate).toLowerCase());
    return candidate;
  }
}
