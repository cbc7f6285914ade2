import { ThumbnailError, type ThumbnailErrorCode } from '../core/errors';

/**
 * Fetches an image URL's bytes: directly first (CORS permitting), and only when
 * that fails for CORS or network reasons, through our proxy (/api/proxy).
 * Every failure is a ThumbnailError whose code tells apart: host not found,
 * HTTP error (with its status), not an image, too large, timed out, refused by
 * the proxy's safety rules, rate limited, network, offline.
 */
export interface FetchImageOptions {
  proxyPath?: string;
  /** Whole-request limit for the direct attempt; the proxy applies its own. */
  timeoutMs?: number;
  /** Refuse bodies larger than this (the proxy's default limit too). */
  maxBytes?: number;
  fetchImpl?: typeof fetch;
  /** Aborting it (the person pressed Cancel) stops the download at once. */
  signal?: AbortSignal;
  /** Times to wait and ask the proxy again when it is busy (its Retry-After, at most 5 s each). */
  busyRetries?: number;
  /**
   * Go through the proxy only, never directly: in Node (the command-line tool, the
   * old API's route) there is no CORS to get past, but there is a network to
   * protect, and the proxy's handler is what checks every address (src/node/fetch-url.ts).
   */
  proxyOnly?: boolean;
}

const DEFAULTS = { proxyPath: '/api/proxy', timeoutMs: 15_000, maxBytes: 25 * 1024 * 1024, busyRetries: 3 };

/**
 * Proxy requests this page makes at once: the proxy's share per client
 * (PROXY_MAX_PER_CLIENT, 4 by default). The page may have more URLs going
 * (one per worker); the rest wait their turn here instead of being turned away.
 */
const PROXY_AT_ONCE = 4;
const proxyTurns = createTurns(PROXY_AT_ONCE);

/** The proxy's "try again in a moment" answers: its own share of slots (429) or all of them (503) in use. */
const BUSY = new Set(['too-many-at-once', 'busy']);

export async function fetchImageBytes(url: string, options: FetchImageOptions = {}): Promise<ArrayBuffer> {
  const { proxyPath, timeoutMs, maxBytes, busyRetries } = { ...DEFAULTS, ...options };
  const doFetch = options.fetchImpl ?? fetch;
  const within = (ms: number) => (options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms));
  if (globalThis.navigator && navigator.onLine === false) {
    throw new ThumbnailError('offline', 'You are offline: URLs cannot be fetched until the connection is back.');
  }

  if (options.proxyOnly) return viaProxyWhenFree(url, { proxyPath, maxBytes, busyRetries, timeoutMs, within, doFetch, signal: options.signal, proxyOnly: true });

  let direct: Response;
  try {
    direct = await doFetch(url, {
      mode: 'cors',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      signal: within(timeoutMs),
    });
  } catch (e) {
    if (options.signal?.aborted) throw new ThumbnailError('cancelled', 'Cancelled.');
    if (isTimeout(e)) throw timedOut(url);
    // A TypeError is all a browser says for both a CORS refusal and a network
    // failure; the proxy can tell them apart and may succeed where CORS refused.
    return viaProxyWhenFree(url, { proxyPath, maxBytes, busyRetries, timeoutMs, within, doFetch, signal: options.signal, proxyOnly: false });
  }
  if (!direct.ok) {
    throw new ThumbnailError('http-error', `The server answered ${direct.status}${direct.statusText ? ` ${direct.statusText}` : ''} for ${shortUrl(url)}.`);
  }
  return readLimited(direct, maxBytes, url);
}

interface ProxyCall {
  proxyPath: string;
  maxBytes: number;
  busyRetries: number;
  timeoutMs: number;
  within: (ms: number) => AbortSignal;
  doFetch: typeof fetch;
  signal: AbortSignal | undefined;
  proxyOnly: boolean;
}

/** Asks the proxy in turn with the page's other URLs, and again after a while when it is busy. */
async function viaProxyWhenFree(url: string, call: ProxyCall): Promise<ArrayBuffer> {
  for (let attempt = 0; ; attempt++) {
    let release: () => void;
    try {
      release = await proxyTurns.wait(call.signal);
    } catch {
      throw new ThumbnailError('cancelled', 'Cancelled.');
    }
    let answer: ArrayBuffer | BusyAnswer;
    try {
      // The time limit starts with the turn: waiting for one is not the site's slowness.
      answer = await viaProxy(url, call, call.within(call.timeoutMs + 5000), attempt < call.busyRetries);
    } finally {
      release();
    }
    if (answer instanceof ArrayBuffer) return answer;
    await pause(answer.retryAfterMs, call.signal);
  }
}

interface BusyAnswer {
  retryAfterMs: number;
}

/** `signal`: the proxy stops itself at its own limit; the caller's margin covers a proxy that never answers. */
async function viaProxy(url: string, { proxyPath, maxBytes, doFetch, proxyOnly }: ProxyCall, signal: AbortSignal, mayRetry: boolean): Promise<ArrayBuffer | BusyAnswer> {
  let response: Response;
  try {
    response = await doFetch(`${proxyPath}?url=${encodeURIComponent(url)}`, { credentials: 'omit', signal });
  } catch (e) {
    if (isTimeout(e)) throw timedOut(url);
    // Not even the server this page came from answers: as far as this app can
    // tell, that is offline, whatever navigator.onLine says (it says true on a
    // network with no way out, and under some emulations).
    throw new ThumbnailError('offline', `You are offline: neither ${hostOf(url)} nor this app's server can be reached. URLs work again once the connection is back.`);
  }
  if (response.ok) return readLimited(response, maxBytes, url);
  const refusal = await proxyRefusal(response, url, proxyOnly);
  if (mayRetry && refusal.busy) {
    const seconds = Number(response.headers.get('retry-after'));
    return { retryAfterMs: Math.min(5, Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000 };
  }
  throw refusal.error;
}

/** Maps the proxy's JSON refusal {error, message} to our error codes, and says whether it was only busy. */
async function proxyRefusal(response: Response, url: string, proxyOnly: boolean): Promise<{ error: ThumbnailError; busy: boolean }> {
  const { error, code } = await refusalError(response, url, proxyOnly);
  return { error, busy: BUSY.has(code) };
}

async function refusalError(response: Response, url: string, proxyOnly: boolean): Promise<{ error: ThumbnailError; code: string }> {
  let body: { error?: string; message?: string; status?: number } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not our proxy's JSON: e.g. a static host without the proxy route.
  }
  const byCode: Record<string, ThumbnailErrorCode> = {
    'host-not-found': 'host-not-found',
    'upstream-status': 'http-error',
    'not-an-image': 'not-an-image',
    'too-large': 'too-large',
    'timed-out': 'timed-out',
    'forbidden-target': 'refused',
    'rate-limited': 'rate-limited',
    busy: 'rate-limited',
    'too-many-at-once': 'rate-limited',
    'too-many-redirects': 'network',
    'upstream-failed': 'network',
    'bad-url': 'invalid-input',
  };
  const code: ThumbnailErrorCode = (body.error && byCode[body.error]) || 'network';
  if (code === 'refused') {
    // Both halves matter: the direct fetch failed first (CORS), then the proxy said no.
    const error = new ThumbnailError(
      'refused',
      proxyOnly
        ? `${hostOf(url)} is a private or loopback address; those are not fetched from here.`
        : `${hostOf(url)} does not allow direct access from other pages (CORS), and this app's server does not fetch private or loopback addresses.`,
      `${body.message ?? 'The proxy refused the address.'} Hosting this app yourself? Start the server with PROXY_ALLOW_PRIVATE_NETWORKS=1, or list the host in PROXY_ALLOW_HOSTS (host:port), to allow it.`,
    );
    return { error, code: body.error ?? '' };
  }
  const message =
    body.message ??
    (response.status === 404
      ? `${shortUrl(url)} blocks direct access from other sites, and this server has no proxy to fetch it through.`
      : `The proxy could not fetch ${shortUrl(url)} (status ${response.status}).`);
  return { error: new ThumbnailError(code, message), code: body.error ?? '' };
}

/** Waits `ms`, or rejects as cancelled when the person cancels first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(new ThumbnailError('cancelled', 'Cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (signal?.aborted) cancelled();
    else signal?.addEventListener('abort', cancelled, { once: true });
  });
}

/** At most n holders at once, the rest waiting in order; a cancelled wait leaves the queue. */
function createTurns(n: number) {
  let holders = 0;
  const waiting: { grant: () => void; signal?: AbortSignal }[] = [];
  const release = () => {
    holders--;
    for (;;) {
      const next = waiting.shift();
      if (!next) return;
      if (next.signal?.aborted) continue;
      holders++;
      next.grant();
      return;
    }
  };
  const once = () => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        release();
      }
    };
  };
  return {
    wait(signal?: AbortSignal): Promise<() => void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (holders < n) {
        holders++;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        const entry = { grant: () => resolve(once()), signal };
        waiting.push(entry);
        signal?.addEventListener('abort', () => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal.reason);
        }, { once: true });
      });
    },
  };
}

/** Reads a body, stopping as soon as it passes maxBytes. */
async function readLimited(response: Response, maxBytes: number, url: string): Promise<ArrayBuffer> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) throw tooLarge(url, maxBytes);
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge(url, maxBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ThumbnailError) throw e;
    if (isTimeout(e)) throw timedOut(url);
    throw new ThumbnailError('network', `The download of ${shortUrl(url)} was interrupted.`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

function isTimeout(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError');
}

const timedOut = (url: string) => new ThumbnailError('timed-out', `${shortUrl(url)} took too long to answer.`);
const tooLarge = (url: string, max: number) =>
  new ThumbnailError('too-large', `${shortUrl(url)} is larger than the ${Math.round(max / 1024 / 1024)} MB download limit.`);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return shortUrl(url);
  }
}

function shortUrl(url: string): string {
  return url.length > 80 ? `${url.slice(0, 77)}…` : url;
}
