/**
 * What a run tells the person or the script that started it.
 * - On a terminal: a progress bar (count, rate, time left) on stderr, failures
 *   above it as they happen, and a summary at the end.
 * - Piped: no bar; failures and the summary only.
 * - --json: one JSON line per thumbnail and per failed input on stdout (and the
 *   summary on stderr, so stdout stays JSON lines).
 */
import cliProgress from 'cli-progress';
import { relative } from 'node:path';
import type { ItemOutcome } from './run';

export interface ReporterOptions {
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

export interface Totals {
  done: number;
  skipped: number;
  failed: number;
  thumbnails: number;
  bytesIn: number;
  bytesOut: number;
}

export class Reporter {
  readonly totals: Totals = { done: 0, skipped: 0, failed: 0, thumbnails: 0, bytesIn: 0, bytesOut: 0 };
  private readonly started = performance.now();
  private bar: cliProgress.SingleBar | undefined;
  private payload = { rate: '0.0', left: 'starting', failures: '' };

  constructor(private readonly opts: ReporterOptions) {}

  start(total: number): void {
    if (!this.opts.stderr.isTTY || total < 2) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.opts.stderr,
        format: ' {bar} {value}/{total} · {rate}/s · {left}{failures}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, this.payload);
  }

  outcome(outcome: ItemOutcome): void {
    const t = this.totals;
    if (outcome.status === 'failed') {
      t.failed++;
      this.above(`✗ ${outcome.input.label}: ${outcome.error.message}`);
      this.json({ input: outcome.input.label, status: 'failed', error: { code: outcome.error.code, message: outcome.error.message }, ms: Math.round(outcome.ms) });
    } else {
      if (outcome.status === 'done') t.done++;
      else t.skipped++;
      t.bytesIn += outcome.inputBytes;
      for (const o of outcome.outputs) {
        t.bytesOut += o.bytes;
        if (o.written) t.thumbnails++;
        this.json({
          input: outcome.input.label,
          output: this.shown(o.path),
          status: o.written ? 'written' : 'skipped',
          width: o.width,
          height: o.height,
          bytes: o.bytes,
          inputBytes: outcome.inputBytes,
          ms: Math.round(outcome.ms),
        });
      }
    }
    if (!this.bar) return;
    const seconds = (performance.now() - this.started) / 1000;
    const count = t.done + t.skipped + t.failed;
    const total = this.bar.getTotal();
    const rate = count / Math.max(seconds, 0.001);
    // Guessed only once a few are done: the first ones include starting the threads.
    const left = count >= Math.min(5, total) ? `${duration((total - count) / rate)} left` : 'starting';
    this.payload = { rate: rate.toFixed(1), left, failures: t.failed ? ` · ${t.failed} failed` : '' };
    this.bar.update(count, this.payload);
  }

  /** The closing summary; `interrupted` when Ctrl-C stopped the run early. */
  finish(total: number, notes: string[] = [], interrupted = false): void {
    this.bar?.stop();
    const t = this.totals;
    const seconds = (performance.now() - this.started) / 1000;
    const parts = [`${t.done} done`];
    if (t.failed) parts.push(`${t.failed} failed`);
    if (t.skipped) parts.push(`${t.skipped} skipped (already there; --overwrite replaces them)`);
    const left = total - t.done - t.failed - t.skipped;
    if (interrupted && left > 0) parts.push(`${left} not started (interrupted)`);
    const sizes = t.bytesIn ? ` · ${megabytes(t.bytesIn)} → ${megabytes(t.bytesOut)}` : '';
    const line = `${parts.join(', ')} · ${t.thumbnails} thumbnail${t.thumbnails === 1 ? '' : 's'} written${sizes} · ${seconds.toFixed(1)} s`;
    const out = this.opts.json ? this.opts.stderr : this.opts.stdout;
    for (const note of notes) out.write(`${note}\n`);
    out.write(`${line}\n`);
  }

  /** A line printed above the bar (cli-progress redraws it underneath). */
  private above(text: string): void {
    if (this.bar) {
      this.bar.stop();
      this.opts.stderr.write(`${text}\n`);
      this.bar.start(this.bar.getTotal(), (this.bar as unknown as { value: number }).value, this.payload);
    } else {
      this.opts.stderr.write(`${text}\n`);
    }
  }

  private json(line: Record<string, unknown>): void {
    if (this.opts.json) this.opts.stdout.write(`${JSON.stringify(line)}\n`);
  }

  private shown(path: string): string {
    return relative(this.opts.cwd, path) || path;
  }
}

/** 75 -> '1m 15s'; 8.2 -> '9s'. */
function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function megabytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
