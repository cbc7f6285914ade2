import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { proxyVitePlugin } from './src/server/proxy/vite-plugin';

export default defineConfig({
  // The image proxy route (/api/proxy) in `vite dev` and `vite preview` too.
  plugins: [svelte(), proxyVitePlugin()],
  // Vite 7 and some setups fetch index.html instead of the wasm without this (DESIGN.md §3).
  optimizeDeps: { exclude: ['@jsquash/jpeg', '@jsquash/png', '@jsquash/resize', '@jsquash/webp'] },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', port: 4173 },
});
