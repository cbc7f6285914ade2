/**
 * The command-line tool, end to end: the real bin (bin/thumbnail-generator.mjs,
 * which bundles src/cli with esbuild) run as a child process in a scratch folder,
 * its outputs decoded with sharp. No mocks.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { startServer } from '../proxy/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  base64Wrapped,
  FIXTURES,
  insideSize,
  jsonLines,
  listFiles,
  mixedFolder,
  removeTempDirs,
  ROOT,
  runCli,
  SOURCE_SIZES,
  tempDir,
  type FixtureName,
} from './helpers';

const T = 60_000;

afterAll(() => removeTempDirs());

/** The four fixtures' thumbnails at the default settings (256×256 inside, format "same": BMP becomes PNG). */
const DEFAULT_OUTPUTS: Record<FixtureName, string> = {
  'alpha.png': 'alpha-32x32.png',
  'landscape.jpg': 'landscape-256x171.jpg',
  'portrait-orientation6.jpg': 'portrait-orientation6-171x256.jpg',
  'rgb24.bmp': 'rgb24-127x64.png',
};

const DAMAGED_CODES = ['corrupt', 'codec-crashed'];

function sizeInName(name: string): { width: number; height: number } {
  const m = /-(\d+)x(\d+)(?:-\d+)?\.[a-z]+$/.exec(name);
  if (!m) throw new Error(`No {width}x{height} in ${name}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Mean absolute difference per channel of two same-sized RGB images. */
function meanDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function snapshot(dir: string, names: readonly string[]): Map<string, Buffer> {
  return new Map(names.map((n) => [n, readFileSync(join(dir, n))]));
}

describe('thumbnail-generator: a folder of mixed images', () => {
  it('writes fitted, correctly named thumbnails, reports the damaged files, skips subfolders without -r, exits 1', { timeout: T }, async () => {
    const dir = mixedFolder();
    const inputNames = [...listFiles(dir)];
    const inputsBefore = snapshot(dir, inputNames);

    const r = await runCli(['.', '-o', 'out', '-j', '2'], { cwd: dir });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);

    // Exactly the four thumbnails: no output for the damaged files, notes.txt, or sub/inner.jpg.
    const out = join(dir, 'out');
    expect(listFiles(out)).toEqual(Object.values(DEFAULT_OUTPUTS).sort());
    expect(listFiles(out)).toContain('landscape-256x171.jpg');

    for (const [input, output] of Object.entries(DEFAULT_OUTPUTS) as [FixtureName, string][]) {
      const meta = await sharp(join(out, output)).metadata();
      const named = sizeInName(output);
      // The name tells the truth about the pixels.
      expect({ width: meta.width, height: meta.height }, output).toEqual(named);
      // Inside the 256×256 box, aspect kept, not enlarged.
      expect(meta.width).toBeLessThanOrEqual(256);
      expect(meta.height).toBeLessThanOrEqual(256);
      expect(named, output).toEqual(insideSize(SOURCE_SIZES[input], 256));
      // Format "same": JPEG stays JPEG, PNG stays PNG, BMP becomes PNG.
      expect(meta.format, output).toBe(input.endsWith('.jpg') ? 'jpeg' : 'png');
    }
    expect((await sharp(join(out, 'alpha-32x32.png')).metadata()).hasAlpha).toBe(true);

    // EXIF orientation 6 is applied: the portrait thumbnail matches sharp's own upright
    // rendering of the original, not the sideways stored pixels, and carries no orientation tag.
    const portrait = join(out, 'portrait-orientation6-171x256.jpg');
    expect([undefined, 1]).toContain((await sharp(portrait).metadata()).orientation);
    const got = await sharp(portrait).removeAlpha().raw().toBuffer();
    const upright = await sharp(join(FIXTURES, 'portrait-orientation6.jpg')).rotate().resize(171, 256, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    // The stored (sideways) pixels, stretched to the same size: what ignoring the tag would give.
    const stored = await sharp(join(FIXTURES, 'portrait-orientation6.jpg')).resize(171, 256, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const dUpright = meanDiff(got, upright);
    expect(dUpright).toBeLessThan(6);
    expect(meanDiff(got, stored)).toBeGreaterThan(dUpright * 2);

    // Failures: one line each on stderr, naming the file; nothing about notes.txt.
    const failures = r.stderr.split('\n').filter((l) => l.startsWith('✗'));
    expect(failures).toHaveLength(2);
    expect(r.stderr).toMatch(/^✗ broken\.jpg: .*damaged/m);
    expect(r.stderr).toMatch(/^✗ fake\.png: .+/m);
    expect(r.stdout + r.stderr).not.toContain('notes.txt');

    // Summary on stdout (not --json): counts, and the subfolder passed over with a hint at -r.
    expect(r.stdout).toMatch(/^1 subfolder was not read; -r includes them\.$/m);
    expect(r.stdout).toMatch(/^4 done, 2 failed · 4 thumbnails written/m);
    expect(existsSync(join(out, 'sub'))).toBe(false);

    // Inputs untouched, and nothing new beside them but the output folder.
    expect(listFiles(dir).filter((f) => !f.startsWith('out/'))).toEqual(inputNames);
    for (const [name, bytes] of inputsBefore) expect(readFileSync(join(dir, name)).equals(bytes), name).toBe(true);
  });

  it('--json: one "written" line per thumbnail with its real size and bytes, one "failed" line per damaged input', { timeout: T }, async () => {
    const dir = mixedFolder();
    const r = await runCli(['.', '-o', 'out', '--json', '-j', '2'], { cwd: dir });
    expect(r.code).toBe(1);

    const lines = jsonLines(r.stdout); // throws if any stdout line is not JSON
    expect(lines).toHaveLength(6);
    const written = lines.filter((l) => l.status === 'written');
    const failed = lines.filter((l) => l.status === 'failed');
    expect(written).toHaveLength(4);
    expect(failed).toHaveLength(2);

    expect(written.map((l) => l.output).sort()).toEqual(Object.values(DEFAULT_OUTPUTS).map((n) => `out/${n}`).sort());
    for (const line of written) {
      const input = line.input as FixtureName;
      expect(Object.keys(DEFAULT_OUTPUTS)).toContain(input);
      expect(line.output).toBe(`out/${DEFAULT_OUTPUTS[input]}`);
      const path = join(dir, line.output as string);
      expect(line.bytes, path).toBe(statSync(path).size);
      expect(line.inputBytes, input).toBe(statSync(join(dir, input)).size);
      const meta = await sharp(path).metadata();
      expect({ width: line.width, height: line.height }).toEqual({ width: meta.width, height: meta.height });
      expect(typeof line.ms).toBe('number');
      expect(line.ms as number).toBeGreaterThanOrEqual(0);
    }

    const byInput = new Map(failed.map((l) => [l.input, l]));
    expect([...byInput.keys()].sort()).toEqual(['broken.jpg', 'fake.png']);
    const broken = byInput.get('broken.jpg')!.error as { code: string; message: string };
    const fake = byInput.get('fake.png')!.error as { code: string; message: string };
    expect(DAMAGED_CODES).toContain(broken.code);
    expect(broken.message).toMatch(/damaged/i);
    expect(fake.code).toBe('unsupported-format');
    expect(fake.message.length).toBeGreaterThan(5);
    for (const l of failed) expect(l).not.toHaveProperty('output');

    // stdout stays JSON lines: the failures and the summary go to stderr.
    expect(r.stderr).toContain(`✗ broken.jpg: ${broken.message}`);
    expect(r.stderr).toContain(`✗ fake.png: ${fake.message}`);
    expect(r.stderr).toMatch(/4 done, 2 failed · 4 thumbnails written/);
    expect(r.stderr).toMatch(/1 subfolder was not read; -r includes them/);
    expect(r.stdout).not.toMatch(/done|subfolder/);
  });

  it('a second run skips existing thumbnails (left as they are) and --overwrite writes them again', { timeout: T }, async () => {
    const dir = mixedFolder();
    const out = join(dir, 'out');
    const first = await runCli(['.', '-o', 'out', '--json', '-j', '2'], { cwd: dir });
    expect(first.code).toBe(1);
    const outputs = Object.values(DEFAULT_OUTPUTS);
    expect(listFiles(out)).toEqual([...outputs].sort());

    // Age every output by an hour, and put a stand-in where the landscape thumbnail was:
    // a skipping run must leave both the times and the stand-in's bytes alone.
    const old = new Date(Date.now() - 3600_000);
    for (const o of outputs) utimesSync(join(out, o), old, old);
    const standIn = Buffer.from('stand-in, not a JPEG');
    writeFileSync(join(out, 'landscape-256x171.jpg'), standIn);
    utimesSync(join(out, 'landscape-256x171.jpg'), old, old);
    const mtimes = new Map(outputs.map((o) => [o, statSync(join(out, o)).mtimeMs]));

    const again = await runCli(['.', '-o', 'out', '--json', '-j', '2'], { cwd: dir });
    expect(again.code).toBe(1); // only because of the two damaged inputs
    const lines = jsonLines(again.stdout);
    const skipped = lines.filter((l) => l.status === 'skipped');
    expect(lines.filter((l) => l.status === 'written')).toEqual([]);
    expect(lines.filter((l) => l.status === 'failed').map((l) => l.input).sort()).toEqual(['broken.jpg', 'fake.png']);
    expect(skipped.map((l) => l.output).sort()).toEqual(outputs.map((o) => `out/${o}`).sort());
    for (const l of skipped) {
      const name = (l.output as string).slice('out/'.length);
      expect(l.bytes, name).toBe(statSync(join(out, name)).size);
      expect({ width: l.width, height: l.height }, name).toEqual(sizeInName(name));
    }
    expect(skipped.find((l) => l.input === 'landscape.jpg')!.bytes).toBe(standIn.length);
    for (const o of outputs) expect(statSync(join(out, o)).mtimeMs, o).toBe(mtimes.get(o));
    expect(readFileSync(join(out, 'landscape-256x171.jpg')).equals(standIn)).toBe(true);
    expect(listFiles(out)).toEqual([...outputs].sort()); // no "-2" copies, no leftover partial files
    expect(again.stderr).toMatch(/0 done, 2 failed, 4 skipped \(already there; --overwrite replaces them\) · 0 thumbnails written/);

    const forced = await runCli(['.', '-o', 'out', '--json', '--overwrite', '-j', '2'], { cwd: dir });
    expect(forced.code).toBe(1);
    const forcedLines = jsonLines(forced.stdout);
    const rewritten = forcedLines.filter((l) => l.status === 'written');
    expect(rewritten.map((l) => l.output).sort()).toEqual(outputs.map((o) => `out/${o}`).sort());
    expect(forcedLines.filter((l) => l.status === 'skipped')).toEqual([]);
    for (const o of outputs) expect(statSync(join(out, o)).mtimeMs, o).toBeGreaterThan(mtimes.get(o)! + 1000);
    const landscape = await sharp(join(out, 'landscape-256x171.jpg')).metadata();
    expect([landscape.format, landscape.width, landscape.height]).toEqual(['jpeg', 256, 171]);
    expect(rewritten.find((l) => l.input === 'landscape.jpg')!.bytes).toBe(statSync(join(out, 'landscape-256x171.jpg')).size);
    expect(listFiles(out)).toEqual([...outputs].sort());
    expect(forced.stderr).toMatch(/4 done, 2 failed · 4 thumbnails written/);
  });

  it('-r includes subfolders and keeps their structure under the output folder', { timeout: T }, async () => {
    const dir = mixedFolder();
    mkdirSync(join(dir, 'sub', 'deeper'));
    copyFileSync(join(FIXTURES, 'alpha.png'), join(dir, 'sub', 'deeper', 'tiny.png'));
    const out = join(tempDir(), 'thumbs'); // outside the input folder
    const r = await runCli(['-r', '.', '-o', out, '--json', '-j', '2'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(listFiles(out)).toEqual([...Object.values(DEFAULT_OUTPUTS), 'sub/deeper/tiny-32x32.png', 'sub/inner-256x171.jpg'].sort());
    const inner = await sharp(join(out, 'sub/inner-256x171.jpg')).metadata();
    expect([inner.format, inner.width, inner.height]).toEqual(['jpeg', 256, 171]);
    const innerLine = jsonLines(r.stdout).find((l) => l.input === 'sub/inner.jpg');
    expect(innerLine).toBeDefined();
    expect(resolve(dir, innerLine!.output as string)).toBe(join(out, 'sub/inner-256x171.jpg'));
    expect(r.stderr).not.toMatch(/subfolder/);
  });
});

describe('thumbnail-generator: standard input', () => {
  it('reads wrapped base64, the old API\'s JSON body and a data URL from `-`, and fails cleanly on empty input', { timeout: T }, async () => {
    const dir = tempDir();
    const png = readFileSync(join(FIXTURES, 'alpha.png'));
    const original = await sharp(png).ensureAlpha().raw().toBuffer();

    const b64 = base64Wrapped(png);
    expect(b64.split('\n')[0]).toHaveLength(76); // really wrapped, as the brief's Python encodebytes does
    const wrapped = await runCli(['-', '-o', 'out', '--json', '-j', '1'], { cwd: dir, stdin: b64 });
    expect(wrapped.code).toBe(0);
    expect(listFiles(join(dir, 'out'))).toEqual(['stdin-32x32.png']);
    const [line, ...rest] = jsonLines(wrapped.stdout);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ input: 'stdin', output: 'out/stdin-32x32.png', status: 'written', width: 32, height: 32, inputBytes: png.length });
    expect(line!.bytes).toBe(statSync(join(dir, 'out/stdin-32x32.png')).size);
    // A 32×32 PNG in a 256 box is not resized: the pixels are the original's, alpha included.
    expect((await sharp(join(dir, 'out/stdin-32x32.png')).ensureAlpha().raw().toBuffer()).equals(original)).toBe(true);

    const body = JSON.stringify({ image_data: png.toString('base64') });
    const json = await runCli(['-', '-o', 'out2', '-j', '1'], { cwd: dir, stdin: body });
    expect(json.code).toBe(0);
    expect(listFiles(join(dir, 'out2'))).toEqual(['stdin-32x32.png']);
    expect((await sharp(join(dir, 'out2/stdin-32x32.png')).ensureAlpha().raw().toBuffer()).equals(original)).toBe(true);
    expect(json.stdout).toMatch(/^1 done · 1 thumbnail written/m);

    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const viaDataUrl = await runCli(['-', '-o', 'out3', '-j', '1', '--format', 'webp'], { cwd: dir, stdin: dataUrl });
    expect(viaDataUrl.code).toBe(0);
    expect(listFiles(join(dir, 'out3'))).toEqual(['stdin-32x32.webp']);
    expect((await sharp(join(dir, 'out3/stdin-32x32.webp')).metadata()).format).toBe('webp');

    const empty = await runCli(['-', '-o', 'out4', '--json', '-j', '1'], { cwd: dir, stdin: '' });
    expect(empty.code).toBe(1);
    const [failure] = jsonLines(empty.stdout);
    expect(failure).toMatchObject({ input: '-', status: 'failed', error: { code: 'unreadable' } });
    expect((failure!.error as { message: string }).message).toMatch(/empty/i);
    expect(existsSync(join(dir, 'out4'))).toBe(false);
  });
});

describe('thumbnail-generator: usage errors', () => {
  it('a bad option value or an unknown option exits 2 naming the option, and creates no output folder', { timeout: T }, async () => {
    const dir = tempDir();
    copyFileSync(join(FIXTURES, 'alpha.png'), join(dir, 'alpha.png'));
    const cases: [string[], RegExp][] = [
      [['--width', '0'], /--width\b.*'0'.*Width must be between 1 and 8192/],
      [['--fit', 'sideways'], /--fit\b.*'sideways'.*inside, cover, contain, fill/],
      [['--quality', '500'], /--quality\b.*'500'.*Quality must be between 1 and 100/],
      [['--sizes', '1,x'], /--sizes\b.*'1,x'.*"x"/],
      [['--bogus'], /unknown option '--bogus'/],
      [['--jobs', '0'], /--jobs\b.*'0'/],
      [['--preset', 'huge'], /--preset\b.*'huge'.*classic/],
      [['--sizes', '64,128', '--scale', '50'], /--sizes and --scale cannot be used together/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['alpha.png', ...args, '-o', 'out'], { cwd: dir })));
    for (const [i, r] of results.entries()) {
      const [args, message] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).toContain('--help');
      expect(r.stdout, args.join(' ')).toBe('');
    }
    const noInputs = await runCli(['-o', 'out'], { cwd: dir });
    expect(noInputs.code).toBe(2);
    expect(noInputs.stderr).toMatch(/missing required argument 'inputs'/);
    expect(listFiles(dir)).toEqual(['alpha.png']); // no out/, no thumbnails/
  });

  it('--help exits 0 and lists every option and the examples; --version prints the package version', { timeout: T }, async () => {
    const dir = tempDir();
    const [help, version] = await Promise.all([runCli(['--help'], { cwd: dir }), runCli(['--version'], { cwd: dir })]);
    expect(help.code).toBe(0);
    for (const option of [
      '-o, --out <folder>', '-r, --recursive', '--preset <name>', '--width <px>', '--height <px>', '--fit <mode>',
      '--format <format>', '--quality <1-100>', '--sizes <list>', '--scale <percent>', '--background <#rrggbb>',
      '--enlarge', '--max-pixels <n>', '--method <kernel>', '--focus <where>', '--name <pattern>', '--avif-speed <0-10>',
      '--overwrite', '--json', '-j, --jobs <n>', '-h, --help',
    ]) expect(help.stdout, option).toContain(option);
    expect(help.stdout).toMatch(/^Usage: thumbnail-generator \[options\] <inputs\.\.\.>/m);
    expect(help.stdout).toMatch(/^Examples:$/m);
    expect(help.stdout).toContain('$ npx thumbnail-generator photos/ -o thumbs/');
    expect(help.stdout).toMatch(/Exit status: 0 .*1 .*2 usage error/);

    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(listFiles(dir)).toEqual([]);
  });
});

describe('thumbnail-generator: sizes and presets', () => {
  it('--sizes 64,128 makes two thumbnails per image; --preset classic makes 100×100 in the input\'s own format, BMP included', { timeout: T }, async () => {
    const dir = mixedFolder();
    const inputs = ['landscape.jpg', 'portrait-orientation6.jpg', 'rgb24.bmp'];
    const [sized, classic, icon] = await Promise.all([
      runCli([...inputs, '--sizes', '64,128', '-o', 'sized', '-j', '1'], { cwd: dir }),
      runCli([...inputs, 'alpha.png', '--preset', 'classic', '-o', 'classic', '-j', '1'], { cwd: dir }),
      runCli(['alpha.png', '--sizes', '64,128', '-o', 'icon', '--json', '-j', '1'], { cwd: dir }),
    ]);
    // A 32×32 icon is never enlarged: both boxes give 32×32, which is one file, not a "-2" copy.
    expect(icon.code).toBe(0);
    expect(listFiles(join(dir, 'icon'))).toEqual(['alpha-32x32.png']);
    expect(jsonLines(icon.stdout).map((l) => l.output)).toEqual([join('icon', 'alpha-32x32.png')]);

    expect(sized.code).toBe(0);
    const sizedFiles = listFiles(join(dir, 'sized'));
    expect(sizedFiles).toEqual([
      'landscape-128x85.jpg', 'landscape-64x43.jpg',
      'portrait-orientation6-43x64.jpg', 'portrait-orientation6-85x128.jpg',
      'rgb24-127x64.png', 'rgb24-64x32.png', // 127 wide: the 128 box does not enlarge it
    ]);
    for (const f of sizedFiles) {
      const meta = await sharp(join(dir, 'sized', f)).metadata();
      expect({ width: meta.width, height: meta.height }, f).toEqual(sizeInName(f));
      const source = SOURCE_SIZES[(f.startsWith('landscape') ? 'landscape.jpg' : f.startsWith('portrait') ? 'portrait-orientation6.jpg' : 'rgb24.bmp') as FixtureName];
      const box = Math.max(meta.width!, meta.height!) <= 64 ? 64 : 128;
      expect(sizeInName(f), f).toEqual(insideSize(source, box));
    }
    expect(sized.stdout).toMatch(/^3 done · 6 thumbnails written/m);

    expect(classic.code).toBe(0);
    expect(listFiles(join(dir, 'classic'))).toEqual(['alpha-100x100.png', 'landscape-100x100.jpg', 'portrait-orientation6-100x100.jpg', 'rgb24-100x100.bmp']);
    for (const f of ['alpha-100x100.png', 'landscape-100x100.jpg', 'portrait-orientation6-100x100.jpg']) {
      const meta = await sharp(join(dir, 'classic', f)).metadata();
      expect([meta.format, meta.width, meta.height], f).toEqual([f.endsWith('.png') ? 'png' : 'jpeg', 100, 100]);
    }
    // sharp does not read BMP: check the header by hand.
    const bmp = readFileSync(join(dir, 'classic', 'rgb24-100x100.bmp'));
    expect(bmp.subarray(0, 2).toString('latin1')).toBe('BM');
    expect(bmp.readUInt32LE(2)).toBe(bmp.length);
    expect(bmp.readInt32LE(18)).toBe(100);
    expect(Math.abs(bmp.readInt32LE(22))).toBe(100);
  });
});

describe('thumbnail-generator: globs and missing inputs', () => {
  it('expands a quoted glob itself (not the shell), and with -r keeps the folders below the pattern\'s base', { timeout: T }, async () => {
    const dir = mixedFolder();
    copyFileSync(join(FIXTURES, 'alpha.png'), join(dir, 'sub', 'deep.png'));
    const [flat, deep] = await Promise.all([
      runCli(['*.png', '-o', 'out', '--json', '-j', '1'], { cwd: dir }),
      runCli(['**/*.png', '-r', '-o', 'out2', '-j', '1'], { cwd: dir }),
    ]);
    expect(flat.code).toBe(1); // fake.png matches too, and is not an image
    expect(listFiles(join(dir, 'out'))).toEqual(['alpha-32x32.png']);
    const lines = jsonLines(flat.stdout);
    expect(lines.map((l) => [l.input, l.status]).sort()).toEqual([['alpha.png', 'written'], ['fake.png', 'failed']]);

    expect(deep.code).toBe(1);
    expect(listFiles(join(dir, 'out2'))).toEqual(['alpha-32x32.png', 'sub/deep-32x32.png']);
  });

  it('a path that does not exist, or a glob matching nothing, is a failed item (exit 1), not a crash', { timeout: T }, async () => {
    const dir = tempDir();
    copyFileSync(join(FIXTURES, 'alpha.png'), join(dir, 'alpha.png'));
    const r = await runCli(['nothere.jpg', 'alpha.png', 'zz*.gif', '-o', 'out', '--json', '-j', '1'], { cwd: dir });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(3);
    const missing = lines.find((l) => l.input === 'nothere.jpg');
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'unreadable' } });
    expect((missing!.error as { message: string }).message).toContain('nothere.jpg');
    const noMatch = lines.find((l) => l.input === 'zz*.gif');
    expect(noMatch).toMatchObject({ status: 'failed', error: { code: 'unreadable' } });
    expect(lines.find((l) => l.input === 'alpha.png')).toMatchObject({ status: 'written', output: 'out/alpha-32x32.png' });
    expect(listFiles(join(dir, 'out'))).toEqual(['alpha-32x32.png']);
    expect(r.stderr).toMatch(/^✗ nothere\.jpg: .*nothere\.jpg/m);
    expect(r.stderr).toMatch(/1 done, 2 failed/);
    expect(r.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError/); // no stack trace
  });
});

/**
 * Where outputs and inputs could meet: the output folder inside an input folder, an
 * output name equal to an input's, two inputs of one name. (Each was a bug these
 * tests found; the runs and their preconditions are in beforeAll.)
 */
describe('thumbnail-generator: output names never collide with inputs or each other', () => {
  let nested: string[] = [];
  let selfSkip: Record<string, unknown> | undefined;
  let sameName: { dir: string; firstOutputs: string[] } | undefined;

  beforeAll(async () => {
    // 1. `-r .` with the default output folder (./thumbnails, inside the input folder), run twice.
    const a = tempDir();
    copyFileSync(join(FIXTURES, 'alpha.png'), join(a, 'alpha.png'));
    const first = await runCli(['-r', '.', '-j', '1'], { cwd: a });
    expect(first.code).toBe(0);
    expect(listFiles(a)).toEqual(['alpha.png', 'thumbnails/alpha-32x32.png']);
    const second = await runCli(['-r', '.', '-j', '1'], { cwd: a });
    expect(second.code).toBe(0);
    nested = listFiles(a);

    // 2. --name {name} into the input's own folder, without --overwrite.
    const b = tempDir();
    copyFileSync(join(FIXTURES, 'alpha.png'), join(b, 'alpha.png'));
    const named = await runCli(['alpha.png', '--name', '{name}', '-o', '.', '--json', '-j', '1'], { cwd: b });
    expect(named.code).toBe(0);
    expect(readFileSync(join(b, 'alpha.png')).equals(readFileSync(join(FIXTURES, 'alpha.png')))).toBe(true);
    selfSkip = jsonLines(named.stdout)[0];
    expect(selfSkip).toBeDefined();

    // 3. Two inputs with the same file name: the second's thumbnail gets "-2"; delete it and run again.
    const c = tempDir();
    mkdirSync(join(c, 'x'));
    mkdirSync(join(c, 'y'));
    copyFileSync(join(FIXTURES, 'alpha.png'), join(c, 'x', 'photo.png'));
    copyFileSync(join(FIXTURES, 'alpha.png'), join(c, 'y', 'photo.png'));
    const made = await runCli(['x', 'y', '-o', 'out', '-j', '2', '--json'], { cwd: c });
    expect(made.code).toBe(0);
    const firstOutputs = listFiles(join(c, 'out'));
    expect(firstOutputs).toEqual(['photo-32x32-2.png', 'photo-32x32.png']);
    // In input order, however the threads finish: x's is the plain name, y's the "-2".
    expect(jsonLines(made.stdout).map((l) => [l.input, l.output])).toEqual(
      expect.arrayContaining([
        [join('x', 'photo.png'), join('out', 'photo-32x32.png')],
        [join('y', 'photo.png'), join('out', 'photo-32x32-2.png')],
      ]),
    );
    rmSync(join(c, 'out', 'photo-32x32-2.png'));
    const rerun = await runCli(['x', 'y', '-o', 'out', '-j', '1'], { cwd: c });
    expect(rerun.code).toBe(0);
    sameName = { dir: c, firstOutputs };
  }, T);

  it('-r does not read the output folder\'s own thumbnails back as inputs', () => {
    expect(nested).toEqual(['alpha.png', 'thumbnails/alpha-32x32.png']);
  });

  it('an input is never taken for its own thumbnail: --name {name} -o . writes alpha-2.png', () => {
    expect(selfSkip).toMatchObject({ status: 'written' });
    expect(selfSkip!.output).toBe('alpha-2.png');
  });

  it('a re-run makes a missing "-2" thumbnail of a same-named input again', () => {
    expect(listFiles(join(sameName!.dir, 'out'))).toEqual(sameName!.firstOutputs);
  });
});

describe('thumbnail-generator: URLs', () => {
  it('fetches through the proxy\'s checks: a loopback URL is refused unless PROXY_ALLOW_HOSTS lists it', { timeout: T }, async () => {
    const images = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(readFileSync(join(FIXTURES, 'alpha.png')));
    });
    try {
      const dir = tempDir();
      const url = `${images.origin}/icons/alpha.png`;
      const refused = await runCli([url, '-o', 'out', '--json'], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(jsonLines(refused.stdout)).toEqual([expect.objectContaining({ input: url, status: 'failed', error: { code: 'refused', message: expect.stringMatching(/private or loopback/) } })]);
      expect(images.count()).toBe(0); // never contacted

      const allowed = await runCli([url, '-o', 'out', '--json'], { cwd: dir, env: { PROXY_ALLOW_HOSTS: `127.0.0.1:${images.port}` } });
      expect(allowed.code).toBe(0);
      expect(jsonLines(allowed.stdout)).toEqual([expect.objectContaining({ input: url, output: join('out', 'alpha-32x32.png'), status: 'written', width: 32, height: 32 })]);
      expect(images.count()).toBe(1);
    } finally {
      await images.close();
    }
  });
});

describe('thumbnail-generator: nothing to do, or a bad environment', () => {
  it('says so when a folder holds no images (exit 1), and stops on a bad PROXY_* value naming it (exit 2)', { timeout: T }, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'empty', 'notes.txt'), 'no pictures here');
    const [empty, badEnv] = await Promise.all([
      runCli(['empty', '-o', 'out'], { cwd: dir }),
      runCli([join(FIXTURES, 'alpha.png'), '-o', 'out'], { cwd: dir, env: { PROXY_MAX_BYTES: 'lots' } }),
    ]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/No images found in empty\./);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/PROXY_MAX_BYTES must be a whole number/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
