/**
 * The image proxy's limits and opt-ins, with safe defaults for a proxy exposed
 * to the internet, and their reading from environment variables.
 *
 * Environment (all optional; an empty value counts as unset):
 *   PROXY_MAX_BYTES               largest body passed through, in bytes (25 MiB)
 *   PROXY_TIMEOUT_MS              whole-request limit: DNS, every hop and the body (10000)
 *   PROXY_RATE_PER_MINUTE         requests per client per minute (60)
 *   PROXY_MAX_CONCURRENT          fetches in progress at once, all clients together (16)
 *   PROXY_MAX_PER_CLIENT          fetches in progress at once for one client (4)
 *   PROXY_ALLOW_PRIVATE_NETWORKS  '1' lets the proxy reach loopback, private, link-local...
 *                                 addresses ('0' = off, the default). For tests and
 *                                 self-hosting on a LAN only, as imgproxy's own switches.
 *   PROXY_ALLOW_HOSTS             comma-separated 'host:port' entries exempt from the
 *                                 address check, e.g. 'images.lan:8080,[fd00::5]:443'.
 *
 * PROXY_ALLOW_HOSTS rules (chosen to keep each exemption as narrow as written):
 *   - the port is REQUIRED: 'images.lan' alone is a startup error, not a guess at
 *     80 and 443 (allowing a host's every web port is rarely what was meant, and a
 *     silent default is how a narrow exemption grows wide);
 *   - the host is canonicalised the way the WHATWG URL parser does it for the
 *     request URL (lower-case, IPv6 compressed and in brackets, '2130706433' ->
 *     '127.0.0.1'), so an entry matches exactly the URLs that name that host;
 *   - matching is exact: no wildcards, and 'a.example.' (trailing dot) is a
 *     different entry from 'a.example';
 *   - an exemption covers only a request to that host:port itself; a redirect from
 *     it to anywhere else is checked as usual.
 *
 * Invalid values throw at startup with a message naming the variable: a proxy
 * that silently fell back to a default would run with limits nobody chose.
 */
export interface ProxyConfig {
  /** Largest upstream body, in bytes; more is refused with 413. */
  readonly maxBytes: number;
  /** Whole-request budget in ms, across DNS, all redirect hops and the body. */
  readonly timeoutMs: number;
  /** Requests allowed per client key in each one-minute window. */
  readonly ratePerMinute: number;
  /** Opt-in for non-public targets (loopback, RFC 1918, link-local, ULA...). */
  readonly allowPrivateNetworks: boolean;
  /** Exact 'host:port' keys exempt from the address check (see above). */
  readonly allowHosts: ReadonlySet<string>;
  /** Redirects followed before giving up with 502 'too-many-redirects'. */
  readonly maxRedirects: number;
  /** Fetches in progress at once, across all clients; more get 503 'busy'. */
  readonly maxConcurrent: number;
  /** Fetches in progress at once for one client key; more get 429 'too-many-at-once'. */
  readonly maxPerClient: number;
}

export const DEFAULT_PROXY_CONFIG: ProxyConfig = Object.freeze({
  // 25 MiB: well above a 24 MP JPEG from a phone, well below what a 2-core host can buffer per request.
  maxBytes: 25 * 1024 * 1024,
  timeoutMs: 10_000,
  ratePerMinute: 60,
  allowPrivateNetworks: false,
  allowHosts: new Set<string>(),
  // 5, as curl's and imgproxy's usual settings: real CDNs use one or two.
  maxRedirects: 5,
  // Each fetch may buffer up to maxBytes, once: 16 x 25 MiB bounds the bodies at 400 MiB
  // (the README has the measured figure for the whole server).
  maxConcurrent: 16,
  // A quarter of the slots: two greedy clients leave half the proxy to everyone else,
  // and a page fetching URLs (one per worker) rarely needs more at once.
  maxPerClient: 4,
});

/** The defaults with some fields replaced: the way tests and embedders build a config. */
export function proxyConfig(overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...DEFAULT_PROXY_CONFIG, ...overrides };
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `env`: process.env in Node; an edge runtime passes its own bindings. */
export function proxyConfigFromEnv(env: Env): ProxyConfig {
  return proxyConfig({
    maxBytes: positiveInteger(env, 'PROXY_MAX_BYTES', DEFAULT_PROXY_CONFIG.maxBytes, Number.MAX_SAFE_INTEGER),
    // setTimeout cannot wait longer than 2^31-1 ms; a larger value would fire at once.
    timeoutMs: positiveInteger(env, 'PROXY_TIMEOUT_MS', DEFAULT_PROXY_CONFIG.timeoutMs, 2 ** 31 - 1),
    ratePerMinute: positiveInteger(env, 'PROXY_RATE_PER_MINUTE', DEFAULT_PROXY_CONFIG.ratePerMinute, Number.MAX_SAFE_INTEGER),
    maxConcurrent: positiveInteger(env, 'PROXY_MAX_CONCURRENT', DEFAULT_PROXY_CONFIG.maxConcurrent, 10_000),
    maxPerClient: positiveInteger(env, 'PROXY_MAX_PER_CLIENT', DEFAULT_PROXY_CONFIG.maxPerClient, 10_000),
    allowPrivateNetworks: flag(env, 'PROXY_ALLOW_PRIVATE_NETWORKS'),
    allowHosts: parseAllowHosts(env.PROXY_ALLOW_HOSTS ?? ''),
  });
}

/** A whole number from 1 to max from the environment, or the fallback when unset; anything else stops start-up naming the variable. */
export function positiveInteger(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  // Digits only: Number('1e3'), Number('0x10') and Number(' 5 ') would all be accepted otherwise.
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}, got '${raw}'.`);
  }
  return Number(raw);
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim() ?? '';
  if (raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new Error(`${name} must be '1' (on) or '0' (off), got '${raw}'.`);
}

/** 'host:port' with the host in URL-canonical form, e.g. allowHostKey('[::1]', 80) -> '[::1]:80'. */
export function allowHostKey(hostname: string, port: number): string {
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return `${host.toLowerCase()}:${port}`;
}

/** Parses PROXY_ALLOW_HOSTS; exported for tests. Throws on any malformed entry. */
export function parseAllowHosts(raw: string): Set<string> {
  const hosts = new Set<string>();
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (entry.includes('*')) throw new Error(`PROXY_ALLOW_HOSTS entry '${entry}': wildcards are not supported; list each host:port.`);
    const match = /^(\[[^\][]+\]|[^:/@?#[\]\s]+):(\d{1,5})$/.exec(entry);
    if (!match) {
      throw new Error(
        `PROXY_ALLOW_HOSTS entry '${entry}' must be host:port with an explicit port, ` +
          `e.g. 'images.lan:443' or '[fd00::5]:8080'.`,
      );
    }
    const [, host = '', portText = ''] = match;
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new Error(`PROXY_ALLOW_HOSTS entry '${entry}' has port ${portText}, outside 1-65535.`);
    hosts.add(allowHostKey(canonicalHost(host, entry), port));
  }
  return hosts;
}

/** The hostname the WHATWG URL parser would give for `host`, so entries match request URLs. */
function canonicalHost(host: string, entry: string): string {
  try {
    const url = new URL(`http://${host}/`);
    if (url.hostname) return url.hostname;
  } catch {
    // Fall through to the error below.
  }
  throw new Error(`PROXY_ALLOW_HOSTS entry '${entry}' does not name a valid host.`);
}
