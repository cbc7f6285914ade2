import { defineConfig } from 'vitest/config';

// Unit tests run in Node against the real WASM codecs (tests/support/wasm-node.ts).
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The conformance run decodes large files; keep memory bounded with few forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
