import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { proxyConfigFromEnv, type ProxyConfig } from './config';
import { createProxyHandler, type ProxyHandler } from './handler';
import { nodeProxyDeps } from './node';
import { clientKeyFromAddress } from './rate-limit';

/**
 * Serves /api/proxy from `vite dev` and `vite preview`, so the app behaves the
 * same there as under `npm start`. Imported by vite.config.ts: it must pull in
 * only node built-ins and the proxy modules (the `vite` import is type-only).
 *
 * The rate-limit key is the TCP peer's address: the dev and preview servers
 * are never behind a reverse proxy we could trust for X-Forwarded-For.
 */
export function proxyVitePlugin(config: ProxyConfig = proxyConfigFromEnv(process.env)): Plugin {
  const handler = createProxyHandler(config, nodeProxyDeps());
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
    // The client hanging up aborts its upstream fetch at once (as under npm start).
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) clientGone.abort(new Error('the client went away'));
    });
    // Only the method and the query matter to the handler; none of the
    // client's headers (cookies, authorization) are passed along, by design.
    handler(toWebRequest(url, req.method ?? 'GET', clientGone.signal), clientKeyFromAddress(req.socket.remoteAddress))
      .then(async (response) => {
        res.statusCode = response.status;
        response.headers.forEach((value, name) => res.setHeader(name, value));
        if (!response.body) {
          res.end();
          return;
        }
        // Chunk by chunk, waiting for the socket: the body is never copied whole.
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
          if (res.destroyed) break;
        }
        res.end();
      })
      .catch(next);
  };
}

function toWebRequest(url: URL, method: string, signal: AbortSignal): Request {
  try {
    return new Request(url, { method, signal });
  } catch {
    // CONNECT, TRACE and TRACK cannot be expressed as a Request; to the handler
    // they are just "not GET", which is all it needs to answer 405.
    return new Request(url, { method: 'POST', signal });
  }
}
