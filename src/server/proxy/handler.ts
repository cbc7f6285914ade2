import { sniffMimeType } from '../../core/codecs/registry';
import type { ProxyConfig } from './config';
import { nodeFetchHop } from './node-fetcher';
import { createRateLimiter } from './rate-limit';
import { resolveAndCheck, type ResolveResult, type VettedAddress } from './resolve';

/**
 * GET /api/proxy?url=<encoded URL>: fetches one image for the browser when a
 * direct fetch failed for CORS or network reasons, safely enough to expose to
 * the internet (OWASP SSRF prevention; the same rules imgproxy applies).
 *
 * Web-standard on purpose (Request -> Response): the same handler runs in the
 * Vite plugin, under Hono in `npm start`, and on an edge runtime, which
 * supplies its own `fetchHop` (and `resolve`) since it has no node:http.
 *
 * One request, in order: method -> rate limit -> parse and vet the URL ->
 * [resolve and check every address -> one GET pinned to those addresses ->
 * on a redirect, vet the new URL and loop] -> size, time and type checks on a
 * fully buffered body -> 200 with our headers only. Every refusal is JSON
 * {"error": code, "message": words}; codes match src/client/fetch-image.ts.
 */

/** What the handler asks of a fetching step: exactly one GET, no redirects followed. */
export interface HopRequest {
  url: URL;
  /** Connect only to these (already checked) addresses. */
  addresses: readonly VettedAddress[];
  /** The complete set of request headers to send: nothing of the client's. */
  headers: Readonly<Record<string, string>>;
  /** Aborted on timeout, on refusal mid-body, and when the handler is done. */
  signal: AbortSignal;
}

export interface HopResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

export type FetchHop = (request: HopRequest) => Promise<HopResponse>;
export type ResolveTarget = (hostname: string, port: number, config: ProxyConfig) => Promise<ResolveResult>;

export interface ProxyDeps {
  fetchHop?: FetchHop;
  resolve?: ResolveTarget;
  /** Clock for the rate limiter (ms). */
  now?: () => number;
}

export type ProxyHandler = (request: Request, clientKey: string) => Promise<Response>;

/** Everything the upstream server learns about the request: who we are, what we want. */
export const UPSTREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'User-Agent': 'ThumbnailGenerator-Proxy/1.0',
  Accept: 'image/*',
});

/** Longer than any real image URL; a longer parameter is an abuse or a mistake. */
const MAX_URL_LENGTH = 8192;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function createProxyHandler(config: ProxyConfig, deps: ProxyDeps = {}): ProxyHandler {
  const fetchHop = deps.fetchHop ?? nodeFetchHop;
  const resolve = deps.resolve ?? ((hostname, port, cfg) => resolveAndCheck(hostname, port, cfg));
  const limiter = createRateLimiter(config.ratePerMinute, deps.now ?? Date.now);
  let inProgress = 0;

  return async (request, clientKey) => {
    if (request.method !== 'GET') {
      return refusal(405, 'method-not-allowed', `The proxy answers GET only, not ${request.method}.`, { Allow: 'GET' });
    }
    // Counted before any other work, so refused requests cost their sender too.
    const retryAfter = limiter.take(clientKey);
    if (retryAfter > 0) {
      return refusal(429, 'rate-limited', `Too many proxy requests; try again in ${retryAfter} s.`, {
        'Retry-After': String(retryAfter),
      });
    }

    // Every fetch may buffer up to maxBytes; many clients at once must not exhaust memory.
    if (inProgress >= config.maxConcurrent) {
      return refusal(503, 'busy', 'The proxy is busy with other images; try again in a moment.', { 'Retry-After': '2' });
    }
    inProgress++;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('proxy time limit reached'));
    }, config.timeoutMs);
    try {
      const target = parseTarget(new URL(request.url).searchParams.get('url'));
      return await fetchImage(target, { config, fetchHop, resolve, signal: controller.signal });
    } catch (e) {
      // A timeout wins over whatever the abort itself caused (reset sockets...).
      if (timedOut) return refusal(504, 'timed-out', `The image took longer than ${config.timeoutMs / 1000} s to fetch.`);
      if (e instanceof Refusal) return e.response();
      return refusal(502, 'upstream-failed', `The image could not be fetched: ${describeFailure(e)}.`);
    } finally {
      inProgress--;
      clearTimeout(timer);
      // Tears down whatever upstream connection is still open (a body we
      // stopped reading, a redirect we did not drain).
      controller.abort(new Error('proxy request finished'));
    }
  };
}

interface FetchContext {
  config: ProxyConfig;
  fetchHop: FetchHop;
  resolve: ResolveTarget;
  signal: AbortSignal;
}

/** The hop loop: every URL, the first and each redirect's, passes the same checks. */
async function fetchImage(start: URL, ctx: FetchContext): Promise<Response> {
  const { config, signal } = ctx;
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const resolved = await untilAborted(ctx.resolve(url.hostname, port, config), signal);
    if (!resolved.ok) {
      if (resolved.error === 'host-not-found') throw new Refusal(502, 'host-not-found', sentence(resolved.message));
      const hop = url === start ? '' : ` (reached by a redirect to ${url.href})`;
      throw new Refusal(403, 'forbidden-target', `Refused: ${resolved.message}${hop}.`);
    }

    const hop = await untilAborted(
      ctx.fetchHop({ url, addresses: resolved.addresses, headers: UPSTREAM_HEADERS, signal }),
      signal,
    );
    const location = hop.headers.get('location');
    if (REDIRECT_STATUSES.has(hop.status) && location !== null) {
      discard(hop.body);
      if (redirects >= config.maxRedirects) {
        throw new Refusal(502, 'too-many-redirects', `The server redirected more than ${config.maxRedirects} times.`);
      }
      url = parseRedirect(location, url);
      continue;
    }
    if (hop.status < 200 || hop.status > 299) {
      discard(hop.body);
      throw new Refusal(502, 'upstream-status', `The server answered ${hop.status} for ${url.href}.`, { status: hop.status });
    }
    return imageResponse(hop, config.maxBytes, signal);
  }
}

/** The client's URL: http(s), no credentials, or 400. */
function parseTarget(raw: string | null): URL {
  if (!raw) throw new Refusal(400, 'bad-url', 'Give the image address as ?url=<encoded URL>.');
  if (raw.length > MAX_URL_LENGTH) throw new Refusal(400, 'bad-url', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Refusal(400, 'bad-url', 'The url parameter is not a valid absolute URL.');
  }
  const problem = urlProblem(url);
  if (problem) throw new Refusal(400, 'bad-url', `${problem}.`);
  return url;
}

/** A redirect's target, relative to the URL that sent it; the same rules, but the fault is the server's. */
function parseRedirect(location: string, base: URL): URL {
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    throw new Refusal(502, 'upstream-failed', 'The server sent a redirect to an invalid URL.');
  }
  const problem = urlProblem(url);
  if (problem) throw new Refusal(403, 'forbidden-target', `Refused a redirect to ${url.protocol}//…: ${lowerFirst(problem)}.`);
  return url;
}

function urlProblem(url: URL): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `Only http and https URLs can be fetched, not ${url.protocol.slice(0, -1)}`;
  }
  // Credentials in a URL would be sent to the target on the user's behalf;
  // the proxy carries no credentials in either direction.
  if (url.username || url.password) return 'URLs with a user name or password are not fetched';
  return null;
}

/** Size, type and headers: the response the browser gets for a good image. */
async function imageResponse(hop: HopResponse, maxBytes: number, signal: AbortSignal): Promise<Response> {
  const declared = hop.headers.get('content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes) {
    discard(hop.body);
    throw tooLarge(maxBytes);
  }
  const bytes = await readLimited(hop.body, maxBytes, signal);
  if (bytes.byteLength === 0) throw new Refusal(415, 'not-an-image', 'The server sent an empty body.');
  const type = imageType(hop.headers.get('content-type'), bytes);
  if (!type) {
    const said = hop.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
    throw new Refusal(415, 'not-an-image', `The URL gave ${said}, not an image.`);
  }
  return new Response(bytes, {
    status: 200,
    // Ours only: nothing of the upstream's (no Set-Cookie, no caching or CORS
    // headers of a server the browser never talked to).
    headers: {
      'Content-Type': type,
      'Content-Length': String(bytes.byteLength),
      'Cache-Control': 'private, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
      // Our pages fetch this same-origin; other sites may not embed our proxy.
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
  });
}

/**
 * Buffers a body up to maxBytes, stopping as soon as it passes the limit.
 * Buffering lets the size and type checks finish before the client sees a 200.
 */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(new ArrayBuffer(0));
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await untilAborted(reader.read(), signal);
    } catch (e) {
      if (signal.aborted) throw e;
      throw new Refusal(502, 'upstream-failed', `The download was interrupted: ${describeFailure(e)}.`);
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      // Stop reading and cut the connection; the handler's final abort makes sure.
      reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(new ArrayBuffer(total));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * The Content-Type to answer with: the upstream's if it is image/*, else the
 * one the first bytes prove (servers often say application/octet-stream).
 * SVG is the exception: it is a document that can carry script, and no codec
 * of ours decodes it, so only its bytes' magic (never) could let it through.
 */
export function imageType(contentType: string | null, bytes: Uint8Array): string | null {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (/^image\/[a-z0-9][a-z0-9.+-]*$/.test(essence) && essence !== 'image/svg+xml') return essence;
  return sniffImageType(bytes);
}

/** The image formats this app decodes, by their magic bytes: the codecs' own sniffs, so a new format passes the proxy by itself. */
export const sniffImageType = sniffMimeType;

/** Resolves or rejects with `work`, or rejects as soon as `signal` aborts (a hop that ignores it cannot hang us). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Drops a body we will not read; cancelling closes the upstream connection. */
function discard(body: ReadableStream<Uint8Array> | null): void {
  body?.cancel().catch(() => {});
}

const FAILURE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the server is unreachable',
  ENETUNREACH: 'the network is unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate could not be verified',
  HPE_INVALID_CONSTANT: 'the server did not speak HTTP',
};

function describeFailure(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  if (code && FAILURE_WORDS[code]) return `${FAILURE_WORDS[code]} (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return code ? `${message} (${code})` : message;
}

/** A refusal on its way out: thrown inside the hop loop, answered as JSON. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, number> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  response(): Response {
    return refusal(this.status, this.code, this.message, this.headers, this.extra);
  }
}

const tooLarge = (maxBytes: number) =>
  new Refusal(413, 'too-large', `The image is larger than the proxy's ${formatBytes(maxBytes)} limit.`);

function refusal(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
  extra: Record<string, number> = {},
): Response {
  return new Response(JSON.stringify({ error, message, ...extra }), {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    },
  });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${n} bytes`;
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
const lowerFirst = (text: string) => `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
