#!/usr/bin/env node
// Runs the TypeScript benchmarks with tsx (the core is TypeScript; benchmarks import it directly).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bench = fileURLToPath(new URL('./pipeline.bench.ts', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', bench], { stdio: 'inherit' });
process.exit(result.status ?? 1);
