import { resolveAndCheck } from './resolve';
import type { FetchHop, HopResponse, ProxyDeps, ResolveTarget } from './types';

/**
 * The proxy's parts on a fetch-only runtime: Cloudflare's workerd (Workers,
 * `wrangler dev`, miniflare) and anything else that offers the global fetch()
 * and no sockets or DNS. No Node import here, so the bundle runs on the edge.
 *
 * What this side checks, from the URL alone and with the same code and words as
 * Node (resolve.ts): every IP-literal host in any spelling the URL parser
 * accepts (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]...) is judged by
 * the address policy; 'localhost' and '*.localhost' are refused by name; the
 * operator's PROXY_ALLOW_PRIVATE_NETWORKS and PROXY_ALLOW_HOSTS apply exactly as
 * they do in Node; every redirect hop is judged again by the handler.
 *
 * What it CANNOT check: where a NAME leads. fetch() resolves the name itself and
 * offers no hook to see or pin the answer, so a name that resolves to 127.0.0.1,
 * 10.x or 169.254.169.254 (nip.io-style names, DNS rebinding) passes this check
 * (`addresses: []`: judged by URL, nothing pinned). On Node, node.ts resolves,
 * checks every address and pins the socket to them; here the platform's own
 * network rules must hold that line:
 *   - Cloudflare Workers: subrequests "can only be made to URLs, not to IP
 *     addresses directly", and names are resolved by Cloudflare's DNS resolver
 *     (https://developers.cloudflare.com/workers/platform/known-issues/). The
 *     request leaves from Cloudflare's network, not the operator's, so (our
 *     reading) no LAN or cloud metadata service of ours is behind it; private services are
 *     reached only through a Workers VPC binding over Cloudflare Tunnel
 *     (https://developers.cloudflare.com/workers-vpc/), which this worker does
 *     not have. For raw sockets Cloudflare lists localhost, private network IPs
 *     and its own IPs as disallowed
 *     (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/). One
 *     consequence: a public IP literal this policy allows can still fail there
 *     (reportedly a 403 "error code: 1003"), which the handler answers as 502
 *     upstream-status.
 *   - workerd run by hand: its default "internet" network service allows only
 *     "public" addresses and applies that to a name's DNS answers too (a name
 *     with only private addresses behaves as if it did not exist; workerd.capnp,
 *     struct Network). A config that widens it to "private"/"local", as the
 *     workerd test does to reach its own loopback upstream, leaves names
 *     unchecked: keep the default in production.
 */
export function edgeProxyDeps(overrides: Partial<ProxyDeps> = {}): ProxyDeps {
  return { fetchHop: edgeFetchHop, resolve: resolveFromUrl, ...overrides };
}

/**
 * Node's check minus DNS: resolveAndCheck runs with a lookup that records that it
 * was reached and answers nothing. An IP literal never reaches the lookup, so its
 * verdict (and message) is Node's own. A name reaches it only after passing every
 * check made before DNS (empty host, localhost names), so reaching it means "no
 * objection from the URL": ok, with no addresses to pin.
 */
export const resolveFromUrl: ResolveTarget = async (hostname, port, config) => {
  let isName = false;
  const verdict = await resolveAndCheck(hostname, port, config, async () => {
    isName = true;
    return [];
  });
  return isName ? { ok: true, addresses: [] } : verdict;
};

/**
 * One GET through the runtime's fetch(), redirects not followed (the handler
 * judges and follows each one). `addresses` is ignored: fetch() cannot be pinned.
 *
 * What workerd's fetch() does (1.20261123.1, checked against a local server):
 *   - `redirect: 'manual'` hands back the 3xx itself, Location included;
 *   - it sends no Accept-Encoding unless asked (locally it adds only Host;
 *     Cloudflare's edge adds its CF-* headers such as CF-Worker);
 *   - it decodes a body whose Content-Encoding is exactly 'gzip', or 'br' when
 *     the compatibility date enables brotli_content_encoding (the test's and
 *     wrangler.toml's dates do; 2023-01-01 does not), even though none was asked
 *     for. The header stays, and so does Content-Length, giving the compressed
 *     length. Every other coding passes through undecoded: 'deflate', 'zstd',
 *     'x-gzip', 'GZIP', 'gzip, gzip'...
 * So 'gzip' and 'br' are accepted (the size limit counts the decoded bytes); any
 * other coding is refused as node-fetcher.ts refuses it: we asked for none, and
 * compressed bytes passed on as an image are garbage. Where the runtime did not
 * decode gzip or br after all, those bytes fail the image sniff (415) instead.
 */
export const edgeFetchHop: FetchHop = async ({ url, headers, signal }): Promise<HopResponse> => {
  const res = await fetch(url, { method: 'GET', headers, redirect: 'manual', signal });
  const encoding = res.headers.get('content-encoding')?.trim() ?? '';
  if (encoding && encoding.toLowerCase() !== 'identity' && !DECODED_BY_FETCH.has(encoding)) {
    res.body?.cancel().catch(() => {});
    throw new Error(`the server sent a ${encoding}-compressed body though none was asked for`);
  }
  return { status: res.status, headers: res.headers, body: res.body };
};

/** The codings workerd's fetch() decodes, matched as it matches them (exactly). */
const DECODED_BY_FETCH = new Set(['gzip', 'br']);
