/**
 * The proxy's memory bound, measured: the production server (dist-server/main.js,
 * default limits) relays 16 large images at once, from four clients (127.0.0.2-5,
 * four each: the per-client share), and its peak resident memory (VmHWM, read
 * after each round, never sampled during it) is set against the documented bound,
 * PROXY_MAX_CONCURRENT × PROXY_MAX_BYTES, above the same server's idle peak.
 *
 *   node --import tsx bench/proxy-memory.bench.ts     (after npm run build)
 *   BENCH_PROXY_SERVER=/path/to/main.js ...           another build of the server, e.g. an
 *                                                     older version's, to compare
 *
 * The upstream holds every response until all 16 requests have arrived, then
 * sends all bodies at once: every fetch is buffering at the same moment, the
 * worst case for memory.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MB = 1024 * 1024;
const BODY_BYTES = 24 * MB;
const AT_ONCE = 16;
const ROUNDS = 5;
const CLIENTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

// A JPEG's magic, then filler: the proxy checks the first bytes only.
const body = Buffer.alloc(BODY_BYTES, 0x5a);
body.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00], 0);

let waiting: ServerResponse[] = [];
const upstream = createServer((_req, res) => {
  waiting.push(res);
  if (waiting.length < AT_ONCE) return;
  for (const r of waiting.splice(0)) {
    r.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': BODY_BYTES });
    r.end(body);
  }
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamPort = (upstream.address() as AddressInfo).port;

const port = 4000 + Math.floor(Math.random() * 1000);
const server = spawn(process.execPath, [process.env.BENCH_PROXY_SERVER || 'dist-server/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PROXY_ALLOW_PRIVATE_NETWORKS: '1', PROXY_RATE_PER_MINUTE: '1000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));

const status = () => readFileSync(`/proc/${server.pid}/status`, 'utf8');
const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status())?.[1] ?? NaN) * 1024;

function get(from: string, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const target = `http://127.0.0.1:${upstreamPort}${path}`;
    const req = httpRequest(`http://127.0.0.1:${port}/api/proxy?url=${encodeURIComponent(target)}`, { localAddress: from, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Idle: the server started, one page load and one small proxy refusal done.
await fetch(`http://127.0.0.1:${port}/`).then((r) => r.arrayBuffer());
await fetch(`http://127.0.0.1:${port}/api/proxy?url=x`).then((r) => r.arrayBuffer());
const idle = field('VmHWM');

const rounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => get(CLIENTS[i % CLIENTS.length]!, `/r${round}-${i}.jpg`)));
  const ok = results.filter((r) => r.status === 200 && r.bytes === BODY_BYTES).length;
  if (ok !== AT_ONCE) throw new Error(`round ${round}: only ${ok} of ${AT_ONCE} images came through`);
  rounds.push(field('VmHWM'));
  console.log(`round ${round + 1}: ${AT_ONCE} × ${BODY_BYTES / MB} MB in ${Math.round(performance.now() - started)} ms, peak so far ${Math.round(field('VmHWM') / MB)} MB, now ${Math.round(field('VmRSS') / MB)} MB`);
}

const bound = AT_ONCE * 25 * MB;
const peak = Math.max(...rounds);
console.log('');
console.log(`| server idle peak | peak with ${AT_ONCE} × ${BODY_BYTES / MB} MB in flight | above idle | documented bound (${AT_ONCE} × 25 MB) | above idle ÷ bound |`);
console.log('|---|---|---|---|---|');
console.log(`| ${Math.round(idle / MB)} MB | ${Math.round(peak / MB)} MB | ${Math.round((peak - idle) / MB)} MB | ${bound / MB} MB | **${((peak - idle) / bound).toFixed(2)}×** |`);

server.kill('SIGTERM');
upstream.closeAllConnections();
upstream.close();
