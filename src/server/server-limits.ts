import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { positiveInteger, type Env } from './proxy/config';

/**
 * The production server's own limits on its clients' connections, with safe
 * defaults for a server exposed to the internet (Node's defaults let a client
 * that sends its headers a byte at a time hold a socket for 60 s or more, and
 * accept connections without end).
 *
 * Environment (all optional):
 *   HEADERS_TIMEOUT_MS     time a client has to send its request headers (10000)
 *   REQUEST_TIMEOUT_MS     time a client has to send its whole request (30000)
 *   KEEP_ALIVE_TIMEOUT_MS  how long an idle kept-alive connection stays open (5000)
 *   MAX_CONNECTIONS        connections open at once; more are refused (1024)
 */
export interface ServerLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({
  // A browser sends its headers in one packet: 10 s is generous on any network.
  headersTimeoutMs: 10_000,
  // The app's requests have no body (GETs; a share POST is turned away unread).
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  // Far above what one page needs (a handful), far below the process's file limit.
  maxConnections: 1024,
});

export function serverLimitsFromEnv(env: Env): ServerLimits {
  const limits: ServerLimits = {
    headersTimeoutMs: positiveInteger(env, 'HEADERS_TIMEOUT_MS', DEFAULT_SERVER_LIMITS.headersTimeoutMs, 600_000),
    requestTimeoutMs: positiveInteger(env, 'REQUEST_TIMEOUT_MS', DEFAULT_SERVER_LIMITS.requestTimeoutMs, 3_600_000),
    keepAliveTimeoutMs: positiveInteger(env, 'KEEP_ALIVE_TIMEOUT_MS', DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs, 600_000),
    maxConnections: positiveInteger(env, 'MAX_CONNECTIONS', DEFAULT_SERVER_LIMITS.maxConnections, 1_000_000),
  };
  // Node refuses to start otherwise; say which variables to change.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error(`HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not be larger than REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs}).`);
  }
  return limits;
}

/** Serves `fetch` on host:port under these limits; the one way the production server listens. */
export function listenWithLimits(
  fetch: (request: Request) => Response | Promise<Response>,
  { host, port, limits, onListening }: { host: string; port: number; limits: ServerLimits; onListening?: (address: { address: string; family: string; port: number }) => void },
): Server {
  const server = serve({ fetch, hostname: host, port, serverOptions: serverOptions(limits) }, onListening) as Server;
  applyServerLimits(server, limits);
  return server;
}

/**
 * Options for http.createServer. Node checks the two request timeouts only every
 * `connectionsCheckingInterval` (30 s by default), which is how a slow client
 * outlived a 60 s limit by 16 s: checking every second keeps each limit to within a second.
 */
function serverOptions(limits: ServerLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
}

/** What can only be set on the server once made. */
function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
}
