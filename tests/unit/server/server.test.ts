import type { Server } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app';
import { proxyConfig } from '../../../src/server/proxy/config';
import { contentSecurityPolicy, headersFile, PERMISSIONS_POLICY } from '../../../src/server/security-headers';
import { DEFAULT_SERVER_LIMITS, listenWithLimits, serverLimitsFromEnv, type ServerLimits } from '../../../src/server/server-limits';

// The production server (what `npm start` runs), on 127.0.0.1 with a scratch dist folder.

function distFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'thumbnail.worker-def.js'), 'self.onmessage = () => {};');
  return dir;
}

async function start(limits: Partial<ServerLimits> = {}): Promise<{ server: Server; port: number; origin: string }> {
  const app = createApp({ distDir: distFolder(), proxy: proxyConfig() });
  const server = listenWithLimits(app.fetch, { host: '127.0.0.1', port: 0, limits: { ...DEFAULT_SERVER_LIMITS, ...limits } });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://127.0.0.1:${port}` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A raw TCP connection, and a promise of the moment the server closes it. */
function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now())));
      resolve({ socket, closed });
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('the production server: security headers', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => ({ server, origin } = await start()));
  afterAll(() => stop(server));

  it('sends the CSP and Permissions-Policy with every document and worker script', async () => {
    for (const path of ['/', '/index.html', '/sw.js', '/assets/index-abc.js', '/assets/thumbnail.worker-def.js', '/missing']) {
      const res = await fetch(`${origin}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toBe(contentSecurityPolicy('production'));
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*/);
      expect(res.headers.get('permissions-policy'), path).toBe(PERMISSIONS_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it("keeps the proxy's own stricter policy on what it relays", async () => {
    const res = await fetch(`${origin}/api/proxy?url=${encodeURIComponent('http://127.0.0.1:9/a.png')}`);
    expect(res.status).toBe(403); // refused (loopback): its JSON gets the page's headers
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy('production'));
  });

  it('writes the same headers into the static hosts\' _headers file', () => {
    const file = headersFile();
    expect(file).toContain(`  Content-Security-Policy: ${contentSecurityPolicy('production')}`);
    expect(file).toContain(`  Permissions-Policy: ${PERMISSIONS_POLICY}`);
    expect(file).toMatch(/\/assets\/\*\n {2}Cache-Control: public, max-age=31536000, immutable/);
    expect(file).toMatch(/\/sw\.js\n {2}Cache-Control: no-cache/);
  });

  it('relaxes only styles in development (Vite injects CSS as <style> there)', () => {
    const dev = contentSecurityPolicy('development');
    expect(dev).toContain("style-src 'self' 'unsafe-inline'");
    expect(dev.replace("style-src 'self' 'unsafe-inline'", "style-src 'self'")).toBe(contentSecurityPolicy('production'));
  });
});

describe('the production server: connection limits', () => {
  it('drops a client that sends its headers a byte at a time, within a second of HEADERS_TIMEOUT_MS', async () => {
    const { server, port } = await start({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    try {
      const { socket, closed } = await rawConnection(port);
      const opened = Date.now();
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const drip = setInterval(() => socket.writable && socket.write('X'), 200);
      const at = await closed;
      clearInterval(drip);
      // Node's default would have kept it for 60 s and more.
      expect(at - opened).toBeGreaterThanOrEqual(900);
      expect(at - opened).toBeLessThan(3500);
    } finally {
      await stop(server);
    }
  });

  it('refuses connections beyond MAX_CONNECTIONS, and takes new ones when one closes', async () => {
    const { server, port, origin } = await start({ maxConnections: 2 });
    try {
      const first = await rawConnection(port);
      const second = await rawConnection(port);
      const third = await rawConnection(port);
      await third.closed; // closed by the server at once
      first.socket.destroy();
      await first.closed;
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${origin}/`, { headers: { Connection: 'close' } });
      expect(res.status).toBe(200);
      second.socket.destroy();
    } finally {
      await stop(server);
    }
  });

  it('reads its limits from the environment, naming a bad variable', () => {
    expect(serverLimitsFromEnv({})).toEqual(DEFAULT_SERVER_LIMITS);
    expect(serverLimitsFromEnv({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '20000', KEEP_ALIVE_TIMEOUT_MS: '1000', MAX_CONNECTIONS: '64' })).toEqual({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 20000,
      keepAliveTimeoutMs: 1000,
      maxConnections: 64,
    });
    expect(() => serverLimitsFromEnv({ MAX_CONNECTIONS: 'lots' })).toThrow('MAX_CONNECTIONS');
    expect(() => serverLimitsFromEnv({ HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '30000' })).toThrow(/HEADERS_TIMEOUT_MS.*REQUEST_TIMEOUT_MS/);
  });
});
