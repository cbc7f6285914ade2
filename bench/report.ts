/** The routes benchmark's report: JSON for scripts, Markdown for the README, an SVG bar chart of the ratios. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Measured {
  ms: number[];
  bytes: number;
  ssim: number;
  stages?: { decode: number; resize: number; encode: number };
  decoder?: string;
}

export interface Row {
  input: string;
  kind: string;
  canvas: Measured;
  ui: Record<'auto' | 'bitmap' | 'core', Measured>;
  sharp: Measured;
  jsquashNaive: Measured;
}

interface BatchRun {
  seconds: number;
  perSecond: number;
  longestTaskMs: number;
  longTasks: number;
}

export interface Report {
  date: string;
  machine: string;
  rounds: number;
  quality: number;
  rows: Row[];
  memory: { input: string; mb: Record<string, number> };
  batch: { files: number; workers: number; oneWorker: BatchRun; allWorkers: BatchRun; queued: BatchRun & { files: number } };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (m: Measured) => median(m.ms);
const spread = (m: Measured) => `${Math.min(...m.ms).toFixed(0)}–${Math.max(...m.ms).toFixed(0)}`;
const x = (v: number) => `${v.toFixed(2)}×`;
const workerMs = (m: Measured) => (m.stages ? m.stages.decode + m.stages.resize + m.stages.encode : NaN);

export function markdown(r: Report): string {
  const lines: string[] = [];
  lines.push(`Measured ${r.date.slice(0, 10)} on ${r.machine}; medians of ${r.rounds} distinct files each (range in brackets), fit inside 256×256, quality ${r.quality}.`);
  lines.push('');
  lines.push('| input | app, added → shown | × canvas | decoder | worker: decode + resize + encode | worker × sharp | previous route (bitmap) × canvas | our WASM decoders × canvas | canvas path in a worker | sharp, 1 thread | jSquash full-size |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const a = row.ui.auto;
    const s = a.stages;
    lines.push(
      `| ${row.input} | ${ms(a).toFixed(0)} ms (${spread(a)}) | **${x(ms(a) / ms(row.canvas))}** | ${a.decoder ?? '?'} | ${s ? `${s.decode.toFixed(0)} + ${s.resize.toFixed(0)} + ${s.encode.toFixed(0)} ms` : '–'} | **${x(workerMs(a) / ms(row.sharp))}** | ${x(ms(row.ui.bitmap) / ms(row.canvas))} | ${x(ms(row.ui.core) / ms(row.canvas))} | ${ms(row.canvas).toFixed(0)} ms (${spread(row.canvas)}) | ${ms(row.sharp).toFixed(0)} ms | ${ms(row.jsquashNaive).toFixed(0)} ms |`,
    );
  }
  lines.push('');
  lines.push('Output bytes and SSIM against a sharp lanczos3 reference of the same size (exact, no shrink-on-load; 1 = identical):');
  lines.push('');
  lines.push('| input | app bytes | × sharp | app SSIM | canvas bytes | canvas SSIM | sharp bytes | sharp SSIM |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const a = row.ui.auto;
    lines.push(`| ${row.input} | ${a.bytes} | ${x(a.bytes / row.sharp.bytes)} | ${a.ssim.toFixed(4)} | ${row.canvas.bytes} | ${row.canvas.ssim.toFixed(4)} | ${row.sharp.bytes} | ${row.sharp.ssim.toFixed(4)} |`);
  }
  lines.push('');
  const mem = r.memory.mb;
  lines.push(
    `Peak renderer memory (VmHWM; the workers live in the renderer), ${r.memory.input}, a fresh browser each: ` +
      Object.entries(mem)
        .map(([k, v]) => `${k === 'auto' ? '**app (auto)**' : k} ${v.toFixed(0)} MB`)
        .join(', ') +
      '.',
  );
  const b = r.batch;
  lines.push('');
  lines.push(
    `Batch of ${b.files} mixed photos through the UI: 1 worker ${b.oneWorker.perSecond.toFixed(1)}/s, ${b.workers} workers ${b.allWorkers.perSecond.toFixed(1)}/s ` +
      `(**${x(b.allWorkers.perSecond / b.oneWorker.perSecond)}**); longest main-thread task ${b.allWorkers.longestTaskMs.toFixed(0)} ms (${b.allWorkers.longTasks} over 50 ms). ` +
      `${b.queued.files} small files queued at once: done in ${b.queued.seconds.toFixed(1)} s, longest main-thread task ${b.queued.longestTaskMs.toFixed(0)} ms (${b.queued.longTasks} over 50 ms).`,
  );
  return lines.join('\n');
}

/** Horizontal bars: per input, the app against the canvas path and the worker against sharp; the line at 1 is parity. */
export function svgChart(r: Report): string {
  const series = [
    { label: 'app ÷ canvas path', colour: '#2563eb', value: (row: Row) => ms(row.ui.auto) / ms(row.canvas) },
    { label: 'worker ÷ sharp', colour: '#f59e0b', value: (row: Row) => workerMs(row.ui.auto) / ms(row.sharp) },
    { label: 'previous route ÷ canvas', colour: '#9ca3af', value: (row: Row) => ms(row.ui.bitmap) / ms(row.canvas) },
  ];
  const left = 220;
  const barH = 12;
  const groupH = series.length * barH + 14;
  const width = 720;
  const scaleMax = Math.max(2, ...r.rows.flatMap((row) => series.map((s) => s.value(row)).filter(Number.isFinite)));
  const px = (v: number) => ((width - left - 60) * v) / scaleMax;
  const height = 40 + r.rows.length * groupH + 30;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="12" y="20" font-size="14" font-weight="600">Time ratios (lower is faster), ${r.date.slice(0, 10)}</text>`);
  r.rows.forEach((row, i) => {
    const y0 = 40 + i * groupH;
    parts.push(`<text x="12" y="${y0 + groupH / 2}" dominant-baseline="middle">${escape(row.input)}</text>`);
    series.forEach((s, k) => {
      const v = s.value(row);
      if (!Number.isFinite(v)) return;
      const y = y0 + k * barH;
      parts.push(`<rect x="${left}" y="${y}" width="${px(v).toFixed(1)}" height="${barH - 2}" fill="${s.colour}"/>`);
      parts.push(`<text x="${left + px(v) + 4}" y="${y + barH / 2}" dominant-baseline="middle" font-size="10">${v.toFixed(2)}</text>`);
    });
  });
  const top = 36;
  const bottom = 40 + r.rows.length * groupH;
  parts.push(`<line x1="${left + px(1)}" y1="${top}" x2="${left + px(1)}" y2="${bottom}" stroke="#111" stroke-dasharray="3 3"/>`);
  series.forEach((s, k) => {
    const x0 = left + k * 160;
    parts.push(`<rect x="${x0}" y="${bottom + 10}" width="10" height="10" fill="${s.colour}"/><text x="${x0 + 14}" y="${bottom + 19}">${escape(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Writes latest.json, latest.md and latest-ratios.svg into dir; returns the Markdown. */
export function writeReport(r: Report, dir: string): string {
  const md = markdown(r);
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(r, null, 2));
  writeFileSync(join(dir, 'latest.md'), `# Benchmark: decode routes\n\n${md}\n\n![ratios](latest-ratios.svg)\n`);
  writeFileSync(join(dir, 'latest-ratios.svg'), svgChart(r));
  return md;
}
