import { availableParallelism } from 'node:os';
import { positiveInteger, type Env } from '../proxy/config';

/**
 * The old API's route (POST /generate_thumbnail): off unless LEGACY_API=1, because
 * with it on, this server receives and processes people's images, which the web
 * app itself never does. Every limit is an environment variable (README, "The old API").
 */
export interface LegacyApiConfig {
  readonly enabled: boolean;
  /** Largest request body: base64 makes an image a third larger. */
  readonly maxBodyBytes: number;
  /** Images declaring more pixels are refused from their header, before decoding. */
  readonly maxPixels: number;
  /** Images processed at once (worker threads). */
  readonly maxJobs: number;
  /** Requests that may wait for a thread; beyond that, 503 busy. */
  readonly maxQueue: number;
  /** A job not done this long after it was handed to the pool (waiting included) is stopped: 503. */
  readonly jobTimeoutMs: number;
  /** Requests per client per minute: 429 beyond. */
  readonly ratePerMinute: number;
  /** Answers kept for repeated requests (same bytes, same options), in MiB of base64. */
  readonly cacheMiB: number;
  /** Take the client's address from X-Forwarded-For (TRUST_PROXY=1, as the proxy). */
  readonly trustProxy: boolean;
}

export const DEFAULT_LEGACY_CONFIG: LegacyApiConfig = Object.freeze({
  enabled: false,
  // A 25 MiB image (the proxy's limit) as base64 in JSON.
  maxBodyBytes: 36 * 1024 * 1024,
  // 50 MP: every phone photo, with room; a decompression bomb does not pass.
  maxPixels: 50_000_000,
  maxJobs: availableParallelism(),
  maxQueue: 2 * availableParallelism(),
  jobTimeoutMs: 30_000,
  ratePerMinute: 120,
  cacheMiB: 64,
  trustProxy: false,
});

/** Reads LEGACY_* (and TRUST_PROXY); a bad value stops start-up, naming the variable. */
export function legacyConfigFromEnv(env: Env): LegacyApiConfig {
  const d = DEFAULT_LEGACY_CONFIG;
  const on = (env.LEGACY_API ?? '').trim();
  if (on !== '' && on !== '0' && on !== '1') throw new Error(`LEGACY_API must be 1 (on) or 0 (off), got '${on}'.`);
  return Object.freeze({
    enabled: on === '1',
    maxBodyBytes: positiveInteger(env, 'LEGACY_MAX_BODY_BYTES', d.maxBodyBytes, 1024 * 1024 * 1024),
    maxPixels: positiveInteger(env, 'LEGACY_MAX_PIXELS', d.maxPixels, 1_000_000_000),
    maxJobs: positiveInteger(env, 'LEGACY_MAX_JOBS', d.maxJobs, 256),
    maxQueue: positiveInteger(env, 'LEGACY_MAX_QUEUE', d.maxQueue, 10_000),
    jobTimeoutMs: positiveInteger(env, 'LEGACY_JOB_TIMEOUT_MS', d.jobTimeoutMs, 2 ** 31 - 1),
    ratePerMinute: positiveInteger(env, 'LEGACY_RATE_PER_MINUTE', d.ratePerMinute, Number.MAX_SAFE_INTEGER),
    cacheMiB: positiveInteger(env, 'LEGACY_CACHE_MIB', d.cacheMiB, 64 * 1024),
    trustProxy: (env.TRUST_PROXY ?? '').trim() === '1',
  });
}

export function legacyConfig(overrides: Partial<LegacyApiConfig> = {}): LegacyApiConfig {
  return Object.freeze({ ...DEFAULT_LEGACY_CONFIG, ...overrides });
}
