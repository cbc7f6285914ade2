/**
 * What the command line's arguments name, as a list of inputs: files, the images
 * in folders (subfolders with -r), glob matches, http(s) URLs, and what `-` reads
 * from standard input (base64, data URLs, the old API's JSON bodies: the paste
 * box's parser). Nothing is read here but names and standard input: file bytes are
 * read when their turn comes (run.ts), so a folder of 10,000 photos is a list of
 * 10,000 paths, not of 10,000 files in memory.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { CODECS } from '../core/codecs/registry';
import type { ThumbnailErrorData } from '../core/errors';
import { parsePastedText } from '../core/inputs/parse-text';

export type CliInput =
  | { kind: 'file'; label: string; path: string; /** Folder under the output folder ('' for none): -r keeps structure. */ relDir: string }
  | { kind: 'bytes'; label: string; name: string; bytes: Uint8Array }
  | { kind: 'url'; label: string; url: string; name: string }
  | { kind: 'error'; label: string; error: ThumbnailErrorData };

export interface ExpandOptions {
  recursive: boolean;
  cwd: string;
  /** The output folder: never read as input, or `-r .` would thumbnail its own thumbnails on the next run. */
  outDir: string;
  readStdin: () => Promise<string>;
}

export interface Expanded {
  inputs: CliInput[];
  /** Subfolders passed over because -r was not given (the summary says so). */
  skippedFolders: number;
}

/** The extensions of every format we read: a folder's other files (notes, .DS_Store) are not inputs. */
const IMAGE_EXTENSIONS = new Set(CODECS.flatMap((c) => c.fileExtensions.map((e) => e.toLowerCase())));

export function isImageFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

export async function expandInputs(args: readonly string[], options: ExpandOptions): Promise<Expanded> {
  const inputs: CliInput[] = [];
  const seen = new Set<string>();
  let skippedFolders = 0;
  const addFile = (path: string, relDir: string, label = path) => {
    const absolute = resolve(options.cwd, path);
    if (seen.has(absolute)) return;
    seen.add(absolute);
    inputs.push({ kind: 'file', label, path: absolute, relDir });
  };

  for (const arg of args) {
    if (arg === '-') {
      inputs.push(...fromStdin(await options.readStdin()));
      continue;
    }
    if (/^https?:\/\//i.test(arg)) {
      inputs.push(...parsePastedText(arg).map((item) => fromTextItem(item, arg)));
      continue;
    }
    const found = await stat(resolve(options.cwd, arg)).catch(() => null);
    if (found?.isDirectory()) {
      const listed = await listFolder(resolve(options.cwd, arg), options.recursive, resolve(options.cwd, options.outDir));
      skippedFolders += listed.skippedFolders;
      for (const file of listed.files) addFile(file, options.recursive ? relative(resolve(options.cwd, arg), join(file, '..')) : '', relative(options.cwd, file) || file);
      continue;
    }
    if (found) {
      addFile(arg, '');
      continue;
    }
    if (isDynamicPattern(arg)) {
      const base = staticBase(arg);
      const outside = (file: string) => !resolve(file).startsWith(resolve(options.cwd, options.outDir) + sep);
      const matches = (await glob(arg, { cwd: options.cwd, onlyFiles: true, absolute: true, expandDirectories: false })).filter(outside).sort();
      if (matches.length === 0) inputs.push(missing(arg, `Nothing matches ${arg}.`));
      for (const file of matches) addFile(file, options.recursive ? relative(resolve(options.cwd, base), join(file, '..')) : '', relative(options.cwd, file));
      continue;
    }
    inputs.push(missing(arg, `There is no file or folder ${arg}.`));
  }
  return { inputs, skippedFolders };
}

/** The images in a folder, sorted; subfolders too when recursive, else counted. */
async function listFolder(folder: string, recursive: boolean, outDir: string): Promise<{ files: string[]; skippedFolders: number }> {
  const files: string[] = [];
  let skippedFolders = 0;
  const walk = async (dir: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path === outDir) continue;
        if (recursive) await walk(path);
        else skippedFolders++;
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isImageFileName(entry.name)) {
        files.push(path);
      }
    }
  };
  await walk(folder);
  return { files, skippedFolders };
}

/** 'photos/2024/**\/*.jpg' -> 'photos/2024': the part before the first segment with a wildcard. */
function staticBase(pattern: string): string {
  const segments = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const segment of segments) {
    if (isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  return fixed.join(sep) || '.';
}

function fromStdin(text: string): CliInput[] {
  const items = parsePastedText(text);
  if (items.length === 0) return [missing('-', 'Standard input was empty: expected base64, a data URL, JSON or URLs.')];
  return items.map((item, i) => fromTextItem(item, items.length > 1 ? `stdin:${i + 1}` : 'stdin', items.length > 1 ? `stdin-${i + 1}` : 'stdin'));
}

function fromTextItem(item: ReturnType<typeof parsePastedText>[number], label: string, bytesName = 'stdin'): CliInput {
  if (item.kind === 'bytes') return { kind: 'bytes', label, name: bytesName, bytes: item.bytes };
  if (item.kind === 'url') return { kind: 'url', label: item.url, url: item.url, name: item.name };
  return { kind: 'error', label: label === 'stdin' ? `stdin (${item.name})` : label, error: item.error };
}

function missing(label: string, message: string): CliInput {
  return { kind: 'error', label, error: { code: 'unreadable', message } };
}
