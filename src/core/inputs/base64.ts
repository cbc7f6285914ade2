/**
 * Base64 as people paste it: the standard or URL-safe alphabet, with or without
 * '=' padding, wrapped every 76 characters (MIME, Python's encodebytes) or not,
 * with stray whitespace around. Returns null when the text is not base64.
 */
const ALPHABET = /^[A-Za-z0-9+/\-_]*={0,2}$/;

export function decodeBase64(text: string): Uint8Array | null {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !ALPHABET.test(compact)) return null;
  const unpadded = compact.replace(/=+$/, '');
  // 4 characters carry 3 bytes; a single character left over carries no whole byte.
  if (unpadded.length % 4 === 1) return null;
  // Mixed alphabets ('+' and '-') are not something any encoder writes.
  if (/[+/]/.test(unpadded) && /[-_]/.test(unpadded)) return null;
  const standard = unpadded.replace(/-/g, '+').replace(/_/g, '/');
  return fromStandardBase64(standard);
}

const LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = i;
  return table;
})();

/**
 * Decodes unpadded standard base64 (validated by the caller). The native atob
 * (browsers, workers and Node alike; padding optional by the spec's forgiving
 * decoder) is several times faster than JS bit-twiddling, which matters when a
 * multi-megabyte paste is decoded on the page's main thread.
 */
function fromStandardBase64(s: string): Uint8Array {
  if (typeof globalThis.atob === 'function') {
    const binary = globalThis.atob(s);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  return fromStandardBase64InJs(s);
}

function fromStandardBase64InJs(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | LOOKUP[s.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Bytes -> standard padded base64 (for the "Copy" actions); native btoa where there is one. */
export function encodeBase64(bytes: Uint8Array): string {
  if (typeof globalThis.btoa === 'function') {
    // btoa takes a 'binary string'; build it in slices to stay within argument limits.
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return globalThis.btoa(binary);
  }
  return encodeBase64InJs(bytes);
}

function encodeBase64InJs(bytes: Uint8Array): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += chars[(n >> 18) & 63]! + chars[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? chars[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? chars[n & 63]! : '=';
  }
  return out;
}
