/**
 * Helpers for the command-line tool's tests: run the real bin in a child process,
 * and make a scratch folder of fixture images in the system's temp folder.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin/thumbnail-generator.mjs');
export const FIXTURES = join(ROOT, 'tests/fixtures');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/thumbnail-generator.mjs ...args` in `cwd`. Standard input gets
 * `stdin` (or nothing) and is then closed, so `-` never waits for a terminal.
 */
export function runCli(args: readonly string[], options: { cwd: string; stdin?: string | Buffer; timeoutMs?: number; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {
      // The tool may exit (usage error) before reading standard input: EPIPE is not a test failure.
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Displayed sizes (after EXIF orientation) of the fixtures the tests use; the README gives the same. */
export const SOURCE_SIZES = {
  'landscape.jpg': { width: 1800, height: 1200 },
  'portrait-orientation6.jpg': { width: 1200, height: 1800 },
  'alpha.png': { width: 32, height: 32 },
  'rgb24.bmp': { width: 127, height: 64 },
} as const;

export type FixtureName = keyof typeof SOURCE_SIZES;

const made: string[] = [];

/** A fresh folder in the system's temp folder (removed by removeTempDirs). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cli-'));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir made. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A folder of mixed inputs:
 *   the four fixtures, broken.jpg (first 300 bytes of landscape.jpg), fake.png
 *   (text), notes.txt (not an image name: never an input), and sub/inner.jpg
 *   (a copy of landscape.jpg) for -r.
 */
export function mixedFolder(): string {
  const dir = tempDir();
  for (const name of Object.keys(SOURCE_SIZES)) copyFileSync(join(FIXTURES, name), join(dir, name));
  writeFileSync(join(dir, 'broken.jpg'), readFileSync(join(FIXTURES, 'landscape.jpg')).subarray(0, 300));
  writeFileSync(join(dir, 'fake.png'), 'This is not a picture, just some text.\n');
  writeFileSync(join(dir, 'notes.txt'), 'notes\n');
  mkdirSync(join(dir, 'sub'));
  copyFileSync(join(FIXTURES, 'landscape.jpg'), join(dir, 'sub', 'inner.jpg'));
  return dir;
}

/** Every file under `dir`, as sorted paths relative to it with '/' separators; [] when it does not exist. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else found.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * The box-fit size the tool should give an image of `source` size in a
 * `box`×`box` box with fit "inside" and no enlarging: the aspect kept, rounded.
 */
export function insideSize(source: { width: number; height: number }, boxWidth: number, boxHeight = boxWidth): { width: number; height: number } {
  const scale = Math.min(1, boxWidth / source.width, boxHeight / source.height);
  return { width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) };
}

/** stdout's lines parsed as JSON (every non-empty line must be JSON). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Base64 with a newline every 76 characters and at the end, as Python's base64.encodebytes writes it. */
export function base64Wrapped(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  return `${b64.match(/.{1,76}/g)!.join('\n')}\n`;
}
