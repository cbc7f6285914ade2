import { sniffMimeType } from '../../core/codecs/registry';
import type { ProxyConfig } from './config';
import { createRateLimiter } from './rate-limit';
import { createSlots } from './slots';
import type { FetchHop, HopResponse, ProxyDeps, ResolveTarget } from './types';

/**
 * GET /api/proxy?url=<encoded URL>: fetches one image for the browser when a
 * direct fetch failed for CORS or network reasons, safely enough to expose to
 * the internet (OWASP SSRF prevention; the same rules imgproxy applies).
 *
 * Web-standard on purpose (Request -> Response) and free of Node imports: the
 * runtime's parts are injected (`deps`: node.ts in the Vite plugin and under
 * Hono in `npm start`, edge.ts on Cloudflare's workerd), so the same handler
 * runs unchanged on each.
 *
 * One request, in order: method -> rate limit -> a slot (per client, then
 * overall) -> parse and vet the URL -> [resolve and check every address -> one
 * GET pinned to those addresses -> on a redirect, vet the new URL and loop] ->
 * size and time limits while buffering the body once -> its first bytes must be
 * an image this app decodes -> 200 with our headers only, the sniffed type as
 * Content-Type. Every refusal is JSON {"error": code, "message": words}; codes
 * match src/client/fetch-image.ts. The client going away aborts everything.
 */

export type { FetchHop, HopRequest, HopResponse, ProxyDeps, ResolveTarget } from './types';

export type ProxyHandler = (request: Request, clientKey: string) => Promise<Response>;

/** Everything the upstream server learns about the request: who we are, what we want. */
export const UPSTREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'User-Agent': 'ThumbnailGenerator-Proxy/1.0',
  Accept: 'image/*',
});

/** Longer than any real image URL; a longer parameter is an abuse or a mistake. */
const MAX_URL_LENGTH = 8192;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * How long a client may take to read a fetched image. Its slot (and the
 * buffered body) is held until then, so a client that stops reading cannot
 * keep either for longer; 25 MB in 30 s is 7 Mbit/s.
 */
const DELIVERY_TIMEOUT_MS = 30_000;

/** Enough of a body for every codec's sniff (an ftyp box's brand list is the longest). */
const SNIFF_BYTES = 4096;

export function createProxyHandler(config: ProxyConfig, deps: ProxyDeps): ProxyHandler {
  const { fetchHop, resolve } = deps;
  const limiter = createRateLimiter(config.ratePerMinute, deps.now ?? Date.now);
  // Every fetch may buffer up to maxBytes: the overall cap bounds memory, and the
  // per-client one keeps a few clients from holding every slot (issue 13).
  const slots = createSlots(config.maxConcurrent, config.maxPerClient);

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

    const slot = slots.take(clientKey);
    if (slot === 'client-full') {
      return refusal(
        429,
        'too-many-at-once',
        `You already have ${config.maxPerClient} images being fetched through the proxy; try again when one has finished.`,
        { 'Retry-After': '1' },
      );
    }
    if (slot === 'full') {
      return refusal(503, 'busy', 'The proxy is busy with other images; try again in a moment.', { 'Retry-After': '2' });
    }

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('proxy time limit reached'));
    }, config.timeoutMs);
    // The client hung up: stop its upstream fetch now and give its slot back,
    // rather than finishing a download nobody will read.
    const clientGone = () => controller.abort(new Error('the client went away'));
    request.signal.addEventListener('abort', clientGone, { once: true });
    if (request.signal.aborted) clientGone();

    let delivering = false;
    const finish = () => {
      slot.release();
      clearTimeout(timer);
      request.signal.removeEventListener('abort', clientGone);
      // Tears down whatever upstream connection is still open (a body we
      // stopped reading, a redirect we did not drain).
      controller.abort(new Error('proxy request finished'));
    };
    try {
      const target = parseTarget(new URL(request.url).searchParams.get('url'));
      const image = await fetchImage(target, { config, fetchHop, resolve, signal: controller.signal });
      clearTimeout(timer);
      delivering = true;
      return image.response(finish, request.signal);
    } catch (e) {
      if (request.signal.aborted) return refusal(499, 'client-gone', 'The request was cancelled.');
      // A timeout wins over whatever the abort itself caused (reset sockets...).
      if (timedOut) return refusal(504, 'timed-out', `The image took longer than ${config.timeoutMs / 1000} s to fetch.`);
      if (e instanceof Refusal) return e.response();
      return refusal(502, 'upstream-failed', `The image could not be fetched: ${describeFailure(e)}.`);
    } finally {
      if (!delivering) finish();
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
async function fetchImage(start: URL, ctx: FetchContext): Promise<FetchedImage> {
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
    return readImage(hop, config.maxBytes, signal);
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

/** A body that passed every check, held once, as the chunks it arrived in. */
interface FetchedImage {
  /** The 200 for the client; `done` runs once the client has it all, has gone, or took too long. */
  response(done: () => void, clientSignal: AbortSignal): Response;
}

/** Size and type: reads the body once, then proves from its first bytes that it is an image this app decodes. */
async function readImage(hop: HopResponse, maxBytes: number, signal: AbortSignal): Promise<FetchedImage> {
  const declared = hop.headers.get('content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes) {
    discard(hop.body);
    throw tooLarge(maxBytes);
  }
  const { chunks, total } = await readLimited(hop.body, maxBytes, signal);
  if (total === 0) throw new Refusal(415, 'not-an-image', 'The server sent an empty body.');
  const type = sniffMimeType(head(chunks, SNIFF_BYTES));
  if (!type) throw new Refusal(415, 'not-an-image', notAnImage(hop.headers.get('content-type')));
  return {
    response: (done, clientSignal) =>
      new Response(deliver(chunks, done, clientSignal), {
        status: 200,
        // Ours only: nothing of the upstream's (no Set-Cookie, no caching or CORS
        // headers of a server the browser never talked to), and the type the bytes
        // proved, never the one the upstream claimed.
        headers: {
          'Content-Type': type,
          'Content-Length': String(total),
          'Cache-Control': 'private, max-age=300',
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'",
          // Our pages fetch this same-origin; other sites may not embed our proxy.
          'Cross-Origin-Resource-Policy': 'same-origin',
        },
      }),
  };
}

/** 'The URL gave text/html, not an image.', or for a false claim, what it claimed. */
function notAnImage(contentType: string | null): string {
  const said = contentType?.split(';')[0]?.trim().toLowerCase() || '';
  if (said.startsWith('image/')) {
    return `The URL claimed to be ${said.slice(0, 60)}, but its content is not an image this app reads.`;
  }
  return `The URL gave ${said.slice(0, 60) || 'no content type'}, not an image.`;
}

/**
 * The response body: the chunks as they were read, handed over one by one and
 * let go as they go, so the body exists in memory once (never also joined into
 * one copy). `done` frees the request's slot when the last chunk is taken, the
 * client cancels or goes away, or delivery takes too long.
 */
function deliver(chunks: Uint8Array[], done: () => void, clientSignal: AbortSignal): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    chunks.length = 0;
    clearTimeout(deadline);
    clientSignal.removeEventListener('abort', onClientGone);
    done();
  };
  let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  const onClientGone = () => {
    stream?.error(new Error('the client went away'));
    finish();
  };
  const deadline = setTimeout(() => {
    stream?.error(new Error('the client took too long to read the image'));
    finish();
  }, DELIVERY_TIMEOUT_MS);
  clientSignal.addEventListener('abort', onClientGone, { once: true });
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      stream = controller;
    },
    pull(controller) {
      if (finished) return;
      const chunk = chunks[next];
      if (chunk) {
        chunks[next++] = EMPTY;
        controller.enqueue(chunk);
      }
      if (next >= chunks.length) {
        controller.close();
        finish();
      }
    },
    cancel: finish,
  });
}

const EMPTY = new Uint8Array(0);

/** The first `n` bytes of a chunk list, copied (a small copy; the sniff needs one array). */
function head(chunks: readonly Uint8Array[], n: number): Uint8Array {
  const first = chunks[0];
  if (first && first.byteLength >= Math.min(n, totalOf(chunks))) return first.subarray(0, n);
  const out = new Uint8Array(Math.min(n, totalOf(chunks)));
  let offset = 0;
  for (const c of chunks) {
    if (offset >= out.length) break;
    const part = c.subarray(0, out.length - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

const totalOf = (chunks: readonly Uint8Array[]) => chunks.reduce((sum, c) => sum + c.byteLength, 0);

/**
 * Reads a body up to maxBytes, stopping as soon as it passes the limit.
 * Reading it all first lets the size and type checks finish before the client
 * sees a 200; the chunks are kept as they came, never joined into a copy.
 */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ chunks: Uint8Array[]; total: number }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!body) return { chunks, total };
  const reader = body.getReader();
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
    if (chunk.value.byteLength > 0) chunks.push(chunk.value);
  }
  return { chunks, total };
}

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
/** 'Only http…' -> 'only http…', but 'URLs with…' stays as it is: an acronym keeps its capitals. */
const lowerFirst = (text: string) => (/^[A-Z]{2}/.test(text) ? text : `${text.charAt(0).toLowerCase()}${text.slice(1)}`);
