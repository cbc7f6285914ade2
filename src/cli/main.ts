/**
 * `thumbnail-generator`: the command-line tool (bin/thumbnail-generator.mjs runs it).
 * Exit status 0 when everything was made (or was already there), 1 when any input
 * failed, 2 for a usage error, 130 when interrupted.
 */
import { CommanderError } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createUrlFetcher } from '../node/fetch-url';
import { NodeThumbnailPool } from '../node/pool';
import { expandInputs } from './inputs';
import { createProgram, settingsFrom, UsageError } from './program';
import { Reporter } from './report';
import { runAll } from './run';

export interface CliIo {
  argv: string[];
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function main(io: CliIo): Promise<number> {
  const program = createProgram().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    outputError: (s, write) => write(s),
  });
  let settings;
  try {
    program.parse(io.argv, { from: 'user' });
    settings = settingsFrom(program.opts(), (name) => program.getOptionValueSource(name) === 'cli');
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // --help, --version: 0
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n(run with --help for every option)\n`);
      return 2;
    }
    throw e;
  }
  const given = program.opts<{ out: string; recursive?: true; overwrite?: true; json?: true; jobs?: string }>();
  const opts = { ...given, recursive: Boolean(given.recursive), overwrite: Boolean(given.overwrite), json: Boolean(given.json) };
  const outDir = resolve(io.cwd, opts.out);

  const { inputs, skippedFolders } = await expandInputs(program.args, {
    recursive: opts.recursive,
    cwd: io.cwd,
    outDir,
    readStdin: () => readAll(io),
  });

  if (inputs.length === 0) {
    io.stderr.write(`No images found in ${program.args.join(', ')}${skippedFolders && !opts.recursive ? ' (subfolders are read with -r)' : ''}.\n`);
    return 1;
  }
  let fetchUrl;
  try {
    // Read before any work: a bad PROXY_* value stops the run, naming the variable.
    fetchUrl = createUrlFetcher();
  } catch (e) {
    io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const pool = new NodeThumbnailPool({ size: opts.jobs ? Number(opts.jobs) : Math.min(availableParallelism(), Math.max(1, inputs.length)) });
  const reporter = new Reporter({ json: opts.json, stdout: io.stdout, stderr: io.stderr, cwd: io.cwd });
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    reporter.start(inputs.length);
    await runAll({ inputs, outDir, overwrite: opts.overwrite, settings, pool, fetchUrl, onOutcome: (o) => reporter.outcome(o), signal: stop.signal });
  } finally {
    process.off('SIGINT', onInterrupt);
    await pool.close();
  }
  const notes = skippedFolders ? [`${skippedFolders} subfolder${skippedFolders === 1 ? ' was' : 's were'} not read; -r includes them.`] : [];
  reporter.finish(inputs.length, notes, stop.signal.aborted);
  if (stop.signal.aborted) return 130;
  return reporter.totals.failed > 0 ? 1 : 0;
}

async function readAll(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write('Reading base64, a data URL or JSON from standard input; end it with Ctrl-D.\n');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Run as a program (the bin's bundle), not when imported by a test. */
export async function runAsProgram(): Promise<void> {
  const code = await main({ argv: process.argv.slice(2), cwd: process.cwd(), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
}
