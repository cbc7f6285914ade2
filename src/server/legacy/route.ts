/**
 * POST /generate_thumbnail: the old thumbnail API, answered by this project's core
 * so its existing clients work unchanged (LEGACY_API=1; config.ts).
 *
 * Requests as the old server took them:
 *   {"image_data": "<base64>"}  base64 with or without line breaks (Python's encodebytes)
 *   {"image_url": "<url>"}      fetched through the proxy's handler: its address checks and limits
 *   multipart/form-data with an `image_file` part
 * whatever the Content-Type and Accept headers say (old clients send
 * `application/json` bodies with `Accept: text/plain`). Optional fields `width`,
 * `height`, `fit`, `format` and `quality` change the old default: 100×100 stretched,
 * in the input's own format (BMP stays BMP): the Classic preset.
 *
 * Answers: {"code": 1, "message": "SUCCESS", "image_data": "<base64>"} for every
 * success (the old server said SUCCESS only on cache hits), and {"code": 0,
 * "message": "<plain words>", "image_data": null} with a 4xx/5xx status for every
 * failure. Never a stack trace.
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { concatBytes } from '../../core/codecs/codec';
import { decodeBase64, encodeBase64 } from '../../core/inputs/base64';
import { isThumbnailError, type ThumbnailErrorCode, type ThumbnailErrorData } from '../../core/errors';
import { legacyFailure, legacySuccess } from '../../core/legacy-api';
import { normaliseOptions, optionsKey, type ThumbnailOptions } from '../../core/options';
import { applyPreset } from '../../core/presets';
import { DEFAULT_SETTINGS } from '../../core/settings';
import type { UrlFetcher } from '../../node/fetch-url';
import { PoolBusy, type NodeThumbnailPool } from '../../node/pool';
import { clientAddress } from '../proxy';
import { clientKeyFromAddress, createRateLimiter } from '../proxy/rate-limit';
import { AnswerCache } from './answer-cache';
import type { LegacyApiConfig } from './config';

export const LEGACY_PATH = '/generate_thumbnail';

export interface LegacyApiDeps {
  pool: NodeThumbnailPool;
  fetchUrl: UrlFetcher;
  now?: () => number;
}

/** A failure the client caused or should know about: its status and plain words. */
class Failure extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The old default: the Classic preset (100×100, stretched, enlarged if small, the input's own format). */
const CLASSIC = applyPreset({ ...DEFAULT_SETTINGS }, 'classic');
const OPTION_FIELDS = ['width', 'height', 'fit', 'format', 'quality'] as const;

export function mountLegacyApi(app: Hono, config: LegacyApiConfig, deps: LegacyApiDeps): void {
  const limiter = createRateLimiter(config.ratePerMinute, deps.now ?? Date.now);
  const cache = new AnswerCache(config.cacheMiB * 1024 * 1024);

  app.post(LEGACY_PATH, async (c) => {
    try {
      const key = clientKeyFromAddress(clientAddress(c, config.trustProxy));
      const wait = limiter.take(key);
      if (wait > 0) throw new Failure(429, `Too many requests; try again in ${wait} s.`, { 'Retry-After': String(wait) });
      const request = await readRequest(c, config);
      const options = optionsFrom(request.fields, config);
      const bytes = request.imageUrl ? await fetchImage(request.imageUrl, key, deps, c.req.raw.signal) : request.bytes!;
      const cacheKey = `${createHash('sha256').update(bytes).digest('base64')}|${optionsKey(options)}`;
      const cached = cache.get(cacheKey);
      if (cached !== undefined) return answer(c, 200, legacySuccess(cached));
      const result = await deps.pool.run(bytes, [options], c.req.raw.signal).catch((e: unknown) => {
        if (e instanceof PoolBusy) throw new Failure(503, 'The server is busy with other images; try again in a moment.', { 'Retry-After': '2' });
        throw e;
      });
      if (!result.ok) throw new Failure(statusOf(result.error), result.error.message);
      const base64 = encodeBase64(new Uint8Array(result.thumbnails[0]!.bytes));
      cache.set(cacheKey, base64);
      return answer(c, 200, legacySuccess(base64));
    } catch (e) {
      if (e instanceof Failure) return answer(c, e.status, legacyFailure(e.message), e.headers);
      // Anything unforeseen: plain words for the client, the details in the server's log only.
      console.error('generate_thumbnail failed:', e);
      return answer(c, 500, legacyFailure('Something went wrong on the server while making this thumbnail.'));
    }
  });
}

function answer(c: Context, status: ContentfulStatusCode, body: object, headers: Record<string, string> = {}): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  c.header('Cache-Control', 'no-store');
  return c.json(body, status);
}

interface LegacyRequest {
  bytes?: Uint8Array;
  imageUrl?: string;
  fields: Record<string, unknown>;
}

async function readRequest(c: Context, config: LegacyApiConfig): Promise<LegacyRequest> {
  const body = await readBody(c.req.raw, config.maxBodyBytes);
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': type } }).formData();
    } catch {
      throw new Failure(400, 'The multipart form could not be read.');
    }
    const file = form.get('image_file');
    const fields = Object.fromEntries(OPTION_FIELDS.map((f) => [f, form.get(f) ?? undefined]).filter(([, v]) => typeof v === 'string'));
    if (file && typeof file !== 'string') return { bytes: new Uint8Array(await file.arrayBuffer()), fields };
    const data = form.get('image_data');
    const url = form.get('image_url');
    if (typeof data === 'string') return { bytes: fromBase64(data), fields };
    if (typeof url === 'string') return { imageUrl: url.trim(), fields };
    throw new Failure(400, 'The form has no "image_file" part (nor "image_data" or "image_url").');
  }
  // JSON whatever the Content-Type says: old clients label it variously.
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new Failure(400, 'The request body is not JSON. Send {"image_data": "<base64>"}, {"image_url": "<url>"}, or a multipart form with "image_file".');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Failure(400, 'The request body must be a JSON object with "image_data" or "image_url".');
  const fields = json as Record<string, unknown>;
  if (typeof fields.image_data === 'string') return { bytes: fromBase64(fields.image_data), fields };
  if (typeof fields.image_url === 'string') return { imageUrl: fields.image_url.trim(), fields };
  throw new Failure(400, 'The JSON has neither an "image_data" nor an "image_url" string.');
}

/** The body, refused with 413 as soon as it passes the limit (declared or not). */
async function readBody(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new Failure(413, `The request is larger than the ${Math.round(max / 1024 / 1024)} MB limit.`, { Connection: 'close' });
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks) as Uint8Array<ArrayBuffer>;
}

function fromBase64(text: string): Uint8Array {
  // A data URL is accepted too, as the paste box does.
  const payload = /^\s*data:[^,]*;base64,/i.test(text) ? text.slice(text.indexOf(',') + 1) : text;
  const bytes = decodeBase64(payload);
  if (!bytes || bytes.length === 0) throw new Failure(400, '"image_data" is not valid base64.');
  return bytes;
}

/** The Classic preset, with the request's own fields over it; the server's pixel limit always. */
function optionsFrom(fields: Record<string, unknown>, config: LegacyApiConfig): ThumbnailOptions {
  const { sizes: _s, namePattern: _n, ...classic } = CLASSIC;
  const given = Object.fromEntries(OPTION_FIELDS.filter((f) => fields[f] !== undefined && fields[f] !== null && fields[f] !== '').map((f) => [f, fields[f]]));
  // The old stretch enlarges small images, as the old server did; another fit asked for is the modern one, which never does.
  const enlarge = String(given.fit ?? 'fill').toLowerCase() === 'fill';
  try {
    return normaliseOptions({ ...classic, ...given, allowEnlarge: enlarge, maxPixels: config.maxPixels } as Partial<ThumbnailOptions>);
  } catch (e) {
    throw new Failure(400, isThumbnailError(e) ? e.message : 'The options are not valid.');
  }
}

async function fetchImage(url: string, clientKey: string, deps: LegacyApiDeps, signal: AbortSignal): Promise<Uint8Array> {
  try {
    return await deps.fetchUrl(url, { clientKey, signal });
  } catch (e) {
    if (isThumbnailError(e)) throw new Failure(statusOf(e.toData()), e.message);
    throw e;
  }
}

const STATUS: Partial<Record<ThumbnailErrorCode, ContentfulStatusCode>> = {
  'too-large': 413,
  'invalid-options': 400,
  'invalid-input': 400,
  'rate-limited': 429,
  refused: 403,
  'host-not-found': 502,
  'http-error': 502,
  network: 502,
  offline: 502,
  'not-an-image': 415,
  'timed-out': 504,
  'worker-failed': 503,
  'codec-unavailable': 500,
};

/** A bad image is the client's (422); what went wrong fetching or processing it gets its own status. */
function statusOf(error: ThumbnailErrorData): ContentfulStatusCode {
  if (error.code === 'unsupported-format' || error.code === 'empty') return 415;
  return STATUS[error.code] ?? 422;
}
