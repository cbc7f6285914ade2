import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchHop, HopResponse, VettedAddress } from './types';

/**
 * One HTTP(S) GET in Node, connected to addresses the caller has already checked.
 *
 * The `lookup` option replaces DNS for this request with the vetted list, so
 * the socket goes where the check looked and nowhere else (no second
 * resolution for a rebinding name to answer differently). IP-literal hosts
 * skip lookup altogether in node:net, and they were checked as themselves.
 *
 * Deliberately absent: redirects (the handler follows them, one checked hop at
 * a time), connection reuse (`agent: false`: a pooled socket is keyed by host
 * name, not by the address we vetted for this request, and cutting an
 * over-long download must cut this socket), and any header the caller did not
 * pass (Node adds only Host and Connection).
 */
export const nodeFetchHop: FetchHop = ({ url, addresses, headers, signal }) =>
  new Promise<HopResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const isHttps = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const options: RequestOptions & { servername?: string } = {
      hostname,
      port: url.port ? Number(url.port) : isHttps ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { ...headers },
      agent: false,
      lookup: pinnedLookup(addresses),
    };
    // SNI and the certificate check use the name the user asked for, not the
    // address we connect to (Node refuses an IP as SNI, so only for names).
    if (isHttps && !isIP(hostname)) options.servername = hostname;

    const req = (isHttps ? httpsRequest : httpRequest)(options);
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal.removeEventListener('abort', onAbort));
    // 'on', not 'once': a destroyed socket can report more than one error, and
    // an 'error' without a listener would crash the process.
    req.on('error', reject);
    req.on('response', (res) => {
      const encoding = res.headers['content-encoding']?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        // We never send Accept-Encoding, so a compressed body is a misbehaving
        // server; passing its bytes on as an image would hand the browser garbage.
        req.destroy();
        reject(new Error(`the server sent a ${encoding}-compressed body though none was asked for`));
        return;
      }
      resolve({ status: res.statusCode ?? 0, headers: toHeaders(res), body: toWebStream(res) });
    });
    req.end();
  });

/** A lookup that answers only with the vetted addresses, in both of Node's calling styles. */
function pinnedLookup(addresses: readonly VettedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    // Happy Eyeballs (autoSelectFamily, on by default in Node 20) asks for all.
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const wanted = addresses.filter((a) => !family || a.family === family);
    const first = wanted[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error(`no vetted address of family ${family}`);
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
    } else if (options.all) {
      callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] ?? '', raw[i + 1] ?? '');
    } catch {
      // A header value Headers refuses is one we would never use.
    }
  }
  return headers;
}

function toWebStream(res: IncomingMessage): ReadableStream<Uint8Array> {
  // Node's web-stream type and the DOM lib's are the same object at run time.
  return Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
}
