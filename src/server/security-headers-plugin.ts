import type { Plugin } from 'vite';
import { headersFile, securityHeaders } from './security-headers';

/**
 * The production server's security headers in `vite dev` and `vite preview`
 * too, so a change that breaks the CSP shows during development; and the
 * `_headers` file in the build, for static hosts that read one.
 */
export function securityHeadersVitePlugin(): Plugin {
  const use = (headers: Record<string, string>) => (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  };
  return {
    name: 'thumbnail-generator:security-headers',
    configureServer(server) {
      // Dev differs in one source only: Vite injects CSS as <style> elements there.
      server.middlewares.use(use(securityHeaders('development')));
    },
    configurePreviewServer(server) {
      server.middlewares.use(use(securityHeaders('production')));
    },
    generateBundle() {
      // Only in the client build: the server's SSR build has no use for it.
      if (this.environment?.name === 'ssr') return;
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },
  };
}
