import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real HTTP servers for the proxy tests, bound to loopback only (127.0.0.1 or
 * ::1): the tests' traffic never leaves this machine. Each server counts the
 * requests it receives, so a test can prove a refused target was never contacted.
 */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port with IPv6 in brackets. */
  readonly origin: string;
  /** Requests received so far. */
  count(): number;
  /** Headers of every request received, in order. */
  readonly seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export async function startServer(route: Route, host = '127.0.0.1'): Promise<TestServer> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    // A cut connection makes writes fail; that is what several tests provoke.
    res.on('error', () => {});
    route(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    count: () => seen.length,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => {});
  await s.close();
  return s.port;
}

/** Whether this machine can listen on ::1 (some containers have no IPv6 loopback). */
export async function hasIPv6Loopback(): Promise<boolean> {
  try {
    const s = await startServer(() => {}, '::1');
    await s.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `total` bytes in 64 KiB chunks, respecting backpressure, and reports
 * whether the peer cut the connection before the last byte was written.
 */
export function streamBytes(res: ServerResponse, total: number): Promise<{ cut: boolean }> {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  return new Promise((resolve) => {
    let written = 0;
    res.on('close', () => resolve({ cut: !res.writableFinished }));
    const pump = () => {
      while (written < total) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
}

/** Waits for a condition that another party fulfils, failing after `ms`. */
export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
