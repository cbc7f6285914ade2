import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { filesFetchedOnFirstUse } from './src/core/codecs/registry';
import { webAppManifest } from './src/pwa/manifest';
import { proxyVitePlugin } from './src/server/proxy/vite-plugin';
import { securityHeadersVitePlugin } from './src/server/security-headers-plugin';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };
/**
 * Shown in the page's footer. THUMBNAIL_BUILD marks a build apart from another of
 * the same version (the update test builds twice); a plain build of the same
 * sources is byte-identical, so it never offers a needless update.
 */
const appVersion = process.env.THUMBNAIL_BUILD ? `${pkg.version}+${process.env.THUMBNAIL_BUILD}` : pkg.version;

/** 'assets/<package>-<name>-<hash>.js' for a chunk whose entry is inside node_modules, else 'assets/<name>-<hash>.js'. */
function chunkFileName(chunk: { facadeModuleId: string | null }): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(chunk.facadeModuleId ?? '');
  return inPackage ? `assets/${inPackage[1]!.replace(/^@/, '').replace('/', '-')}-[name]-[hash].js` : 'assets/[name]-[hash].js';
}

export default defineConfig(({ isSsrBuild }) => ({
  define: { __APP_VERSION__: JSON.stringify(appVersion) },
  plugins: [
    svelte(),
    // The image proxy route (/api/proxy) in `vite dev` and `vite preview` too.
    proxyVitePlugin(),
    // npm start's CSP and other security headers there too, and dist/_headers for static hosts.
    securityHeadersVitePlugin(),
    VitePWA({
      // Our own service worker (src/pwa/sw.ts): it also receives shared images.
      strategies: 'injectManifest',
      srcDir: 'src/pwa',
      filename: 'sw.ts',
      // Updates wait for the person ("A new version is ready — Reload").
      registerType: 'prompt',
      injectRegister: false,
      manifest: webAppManifest(),
      // Icons at every size, and the maskable one, from our one SVG logo.
      pwaAssets: {
        image: 'public/icon.svg',
        preset: {
          transparent: { sizes: [64, 192, 512], favicons: [[48, 'favicon.ico']] },
          maskable: { sizes: [512], padding: 0.2, resizeOptions: { background: '#1f4e79' } },
          apple: { sizes: [180], padding: 0.1, resizeOptions: { background: '#1f4e79' } },
        },
        htmlPreset: '2023',
      },
      injectManifest: {
        // Workbox's default glob leaves out .wasm, which silently breaks offline use
        // (DESIGN.md §3). Everything the app can load is precached, lazily loaded
        // codecs too; source maps are not. (The plugin adds
        // manifest.webmanifest itself; listing it here too would list it twice.)
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,ico}'],
        // The multi-threaded AVIF encoder runs only where the page is cross-origin
        // isolated (SharedArrayBuffer), which ours is not: 3.5 MB no one would use.
        // The decoders of formats few pages meet (HEIC, JPEG XL, TIFF) are fetched
        // when first needed, and kept then by the service worker (src/pwa/sw.ts).
        globIgnores: ['**/*avif_enc_mt*', ...filesFetchedOnFirstUse().map((prefix) => `**/${prefix}*`)],
        // The largest precached file is under 1 MB today; a limit far above it means a
        // future codec is never silently left out (the build fails instead).
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ],
  // Vite 7 and some setups fetch index.html instead of the wasm without this (DESIGN.md §3).
  optimizeDeps: { exclude: Object.keys(pkg.dependencies).filter((name) => name.startsWith('@jsquash/')) },
  // Chunks from a package carry its name ('jsquash-jxl-decode-…js', not 'decode-…js'), so a codec's
  // fetchedOnFirstUse prefixes can name all of its files, and the build's file list says what is whose.
  worker: { format: 'es', rollupOptions: { output: { chunkFileNames: chunkFileName } } },
  // Source maps would publish the whole source next to the app; SOURCE_MAPS=1 builds them for debugging.
  build: {
    target: 'es2022',
    sourcemap: process.env.SOURCE_MAPS === '1',
    // The server's build (`vite build --ssr`) also holds the Node pool's worker
    // (src/node/pool.ts looks for thumbnail-worker.js beside itself), so every file
    // of it sits at dist-server's root.
    rollupOptions: isSsrBuild
      ? { input: { main: 'src/server/main.ts', 'thumbnail-worker': 'src/node/thumbnail-worker.ts' }, output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' } }
      : { output: { chunkFileNames: chunkFileName } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', port: 4173 },
}));
