import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LookupAll } from '../../../src/server/proxy/types';
import { createSystemLookup } from '../../../src/server/proxy/system-lookup';

/**
 * A tiny DNS server on 127.0.0.1 (UDP), scripted per test: it answers A queries
 * with an address, says NXDOMAIN, or never answers. The lookup under test is
 * pointed at it, so no query leaves this machine.
 */
type Behaviour = 'answer' | 'nxdomain' | 'silent';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function dnsServer(behaviour: Behaviour, ipv4 = '93.184.215.14'): Promise<{ server: string; queries: () => number }> {
  let queries = 0;
  const socket = createSocket('udp4');
  sockets.push(socket);
  socket.on('message', (query, from) => {
    queries++;
    if (behaviour === 'silent') return;
    // The question section ends 4 bytes (type, class) after the name's zero byte.
    let end = 12;
    while (query[end] !== 0) end += query[end]! + 1;
    const question = query.subarray(12, end + 5);
    const type = query.readUInt16BE(end + 1);
    const answerA = behaviour === 'answer' && type === 1;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180 | (behaviour === 'nxdomain' ? 3 : 0), 2); // response, recursion, rcode
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(answerA ? 1 : 0, 6);
    const answer = answerA
      ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(ipv4.split('.').map(Number))])
      : Buffer.alloc(0);
    socket.send(Buffer.concat([header, question, answer]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${(socket.address() as AddressInfo).port}`, queries: () => queries };
}

function recordingFallback(): { fallback: LookupAll; calls: string[] } {
  const calls: string[] = [];
  return { calls, fallback: async (hostname) => (calls.push(hostname), [{ address: '192.168.1.20', family: 4 }]) };
}

describe('createSystemLookup', () => {
  it('asks DNS (c-ares), not the system resolver, and returns every address', async () => {
    const dns = await dnsServer('answer');
    const { fallback, calls } = recordingFallback();
    const lookup = createSystemLookup({ servers: [dns.server], fallback, timeoutMs: 500, tries: 1 });
    expect(await lookup('images.example')).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(calls).toEqual([]);
  });

  it('gives up on a nameserver that never answers, within its timeout, without tying up the system resolver', async () => {
    const dns = await dnsServer('silent');
    const { fallback, calls } = recordingFallback();
    const lookup = createSystemLookup({ servers: [dns.server], fallback, timeoutMs: 200, tries: 1 });
    const started = Date.now();
    await expect(lookup('stall.example')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(dns.queries()).toBeGreaterThan(0);
    expect(calls).toEqual([]);
  });

  it('asks the system resolver only when DNS says the name does not exist (hosts file, LAN names)', async () => {
    const dns = await dnsServer('nxdomain');
    const { fallback, calls } = recordingFallback();
    const lookup = createSystemLookup({ servers: [dns.server], fallback, timeoutMs: 500, tries: 1 });
    expect(await lookup('printer.lan')).toEqual([{ address: '192.168.1.20', family: 4 }]);
    expect(calls).toEqual(['printer.lan']);
  });

  it('runs at most maxSystemLookups system lookups at once', async () => {
    const dns = await dnsServer('nxdomain');
    let running = 0;
    let most = 0;
    const fallback: LookupAll = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return [{ address: '192.168.1.20', family: 4 }];
    };
    const lookup = createSystemLookup({ servers: [dns.server], fallback, timeoutMs: 500, tries: 1, maxSystemLookups: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => lookup(`host${i}.lan`)));
    expect(most).toBe(2);
  });

  it('refuses system lookups at once past the waiting limit, instead of queueing without bound', async () => {
    const dns = await dnsServer('nxdomain');
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const fallback: LookupAll = async () => (await gate, [{ address: '192.168.1.20', family: 4 }]);
    const lookup = createSystemLookup({ servers: [dns.server], fallback, timeoutMs: 500, tries: 1, maxSystemLookups: 1, maxWaiting: 1 });
    const results = Array.from({ length: 3 }, (_, i) => lookup(`host${i}.lan`).then(() => 'ok', (e: NodeJS.ErrnoException) => e.code));
    await new Promise((r) => setTimeout(r, 200)); // all three have had their DNS answer
    release();
    expect((await Promise.all(results)).sort()).toEqual(['EBUSY', 'ok', 'ok']);
  });

  it('asks the system resolver when no DNS server answers at all (connection refused)', async () => {
    const { fallback, calls } = recordingFallback();
    // A closed UDP port on 127.0.0.1: the query is refused at once.
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const lookup = createSystemLookup({ servers: [`127.0.0.1:${port}`], fallback, timeoutMs: 300, tries: 1 });
    // c-ares sees the ICMP refusal on Linux and reports ECONNREFUSED at once.
    expect(await lookup('printer.lan')).toEqual([{ address: '192.168.1.20', family: 4 }]);
    expect(calls).toEqual(['printer.lan']);
  });
});
