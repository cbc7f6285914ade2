import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { proxyConfigFromEnv, type ProxyConfig } from './config';
import { createProxyHandler, type ProxyHandler } from './handler';
import { clientKeyFromAddress } from './rate-limit';

/**
 * Serves /api/proxy from `vite dev` and `vite preview`, so the app behaves the
 * same there as under `npm start`. Imported by vite.config.ts: it must pull in
 * only node built-ins and the proxy modules (the `vite` import is type-only).
 *
 * The rate-limit key is the TCP peer's address: the dev and preview servers
 * are never behind a reverse proxy we could trust for X-Forwarded-For.
 */
export function proxyVitePlugin(config: ProxyConfig = proxyConfigFromEnv()): Plugin {
  const handler = createProxyHandler(config);
  const middleware = proxyMiddleware(handler);
  return {
    name: 'thumbnail-generator:image-proxy',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}

type Next = (error?: unknown) => void;

/** A connect middleware: Node request -> Web Request -> handler -> Node response. */
export function proxyMiddleware(handler: ProxyHandler) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    // Matched here rather than by a mount path: connect strips the mount path
    // from req.url, and the exact path keeps '/api/proxyfoo' out.
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    if (url.pathname !== '/api/proxy') {
      next();
      return;
    }
    // Only the method and the query matter to the handler; none of the
    // client's headers (cookies, authorization) are passed along, by design.
    handler(toWebRequest(url, req.method ?? 'GET'), clientKeyFromAddress(req.socket.remoteAddress))
      .then(async (response) => {
        const body = Buffer.from(await response.arrayBuffer());
        res.statusCode = response.status;
        response.headers.forEach((value, name) => res.setHeader(name, value));
        res.end(body);
      })
      .catch(next);
  };
}

function toWebRequest(url: URL, method: string): Request {
  try {
    return new Request(url, { method });
  } catch {
    // CONNECT, TRACE and TRACK cannot be expressed as a Request; to the handler
    // they are just "not GET", which is all it needs to answer 405.
    return new Request(url, { method: 'POST' });
  }
}
