import type { ProxyConfig } from './config';

/**
 * The seams between the proxy's Web-standard handler and the runtime it runs on.
 * The handler imports only these types; each runtime supplies the parts
 * (node.ts for Node, edge.ts for fetch-only runtimes such as Cloudflare's workerd).
 */

/** An address the policy has checked, to be connected to and nothing else. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * What resolving a URL's host gave: the addresses to connect to, or a refusal.
 * `addresses` is empty where the runtime cannot resolve or pin (an edge
 * runtime): the host was judged from the URL alone and the platform connects.
 */
export type ResolveResult =
  | { ok: true; addresses: VettedAddress[] }
  | { ok: false; error: 'forbidden-target' | 'host-not-found'; message: string };

/** Every address of a name; injectable so tests never touch real DNS. */
export type LookupAll = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** Judges one hop's host (and port) under the config. */
export type ResolveTarget = (hostname: string, port: number, config: ProxyConfig) => Promise<ResolveResult>;

/** What the handler asks of a fetching step: exactly one GET, no redirects followed. */
export interface HopRequest {
  url: URL;
  /** Connect only to these (already checked) addresses; empty when the runtime cannot pin. */
  addresses: readonly VettedAddress[];
  /** The complete set of request headers to send: nothing of the client's. */
  headers: Readonly<Record<string, string>>;
  /** Aborted on timeout, on refusal mid-body, when the client goes away, and when the handler is done. */
  signal: AbortSignal;
}

export interface HopResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

export type FetchHop = (request: HopRequest) => Promise<HopResponse>;

/** The runtime's parts, injected: the handler itself imports nothing of Node. */
export interface ProxyDeps {
  fetchHop: FetchHop;
  resolve: ResolveTarget;
  /** Clock for the rate limiter (ms); Date.now by default. */
  now?: () => number;
}
