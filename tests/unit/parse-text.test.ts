import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../src/core/inputs/base64';
import { parsePastedText, type TextItem } from '../../src/core/inputs/parse-text';

const png = new Uint8Array(readFileSync(resolve(__dirname, '../fixtures/alpha.png')));
const b64 = Buffer.from(png).toString('base64');
const urlSafe = b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** As MIME and Python's base64.encodebytes write it: 76 characters a line. */
const wrapped = b64.match(/.{1,76}/g)!.join('\n') + '\n';

const bytesOf = (item: TextItem | undefined) => {
  expect(item?.kind).toBe('bytes');
  return Array.from((item as Extract<TextItem, { kind: 'bytes' }>).bytes);
};
const errorOf = (item: TextItem | undefined) => {
  expect(item?.kind).toBe('error');
  return (item as Extract<TextItem, { kind: 'error' }>).error;
};

describe('base64', () => {
  it.each([
    ['standard, padded', b64],
    ['standard, unpadded', b64.replace(/=+$/, '')],
    ['URL-safe, unpadded', urlSafe],
    ['wrapped every 76 characters', wrapped],
    ['surrounded by whitespace', `  \n\t${b64}  \n`],
  ])('accepts %s', (_, text) => {
    expect(parsePastedText(text)).toHaveLength(1);
    expect(bytesOf(parsePastedText(text)[0])).toEqual(Array.from(png));
  });

  it.each([
    ['native atob/btoa', false],
    ['the plain-JS fallback (no atob/btoa)', true],
  ])('round-trips every length through encodeBase64/decodeBase64 with %s', (_, hideNative) => {
    const saved = { atob: globalThis.atob, btoa: globalThis.btoa };
    if (hideNative) Object.assign(globalThis, { atob: undefined, btoa: undefined });
    try {
      for (let n = 0; n < 40; n++) {
        const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(Array.from(decodeBase64(text) ?? [])).toEqual(Array.from(bytes));
        expect(Array.from(decodeBase64(text.replace(/=+$/, '')) ?? [])).toEqual(Array.from(bytes));
      }
    } finally {
      Object.assign(globalThis, saved);
    }
  });

  it.each([
    ['a character outside the alphabet', b64.slice(0, 40) + '*' + b64.slice(40)],
    ['a dangling single character (17 characters carry no whole last byte)', 'A'.repeat(17)],
    ['mixed standard and URL-safe alphabets', 'ab+c/dEF-G_h' + 'A'.repeat(20)],
  ])('refuses %s', (_, text) => {
    const items = parsePastedText(text);
    expect(items.map((i) => i.kind)).toEqual(['error']);
    expect(errorOf(items[0]).message).toMatch(/not (valid )?base64/);
  });

  it('refuses a short word as too short to be an image', () => {
    expect(errorOf(parsePastedText('hello')[0]).message).toContain('too short');
  });
});

describe('data URLs', () => {
  it('accepts data:image/...;base64, URLs, wrapped or not', () => {
    expect(bytesOf(parsePastedText(`data:image/png;base64,${b64}`)[0])).toEqual(Array.from(png));
    expect(bytesOf(parsePastedText(`data:image/png;base64,${wrapped}`)[0])).toEqual(Array.from(png));
    expect(bytesOf(parsePastedText(`DATA:image/png;name=a.png;base64,${urlSafe}`)[0])).toEqual(Array.from(png));
  });
  it('refuses a data URL that is not an image', () => {
    expect(errorOf(parsePastedText('data:text/plain;base64,aGVsbG8gd29ybGQ=')[0]).message).toContain('holds text/plain, not an image');
  });
  it('refuses a data URL with bad base64 or no comma', () => {
    expect(errorOf(parsePastedText('data:image/png;base64,@@@@')[0]).message).toContain('no valid base64');
    expect(errorOf(parsePastedText('data:image/png;base64')[0]).message).toContain('not a valid data URL');
  });
});

describe("the old API's JSON bodies", () => {
  it('accepts {"image_data": "..."} with raw base64 or a data URL', () => {
    expect(bytesOf(parsePastedText(JSON.stringify({ image_data: b64 }))[0])).toEqual(Array.from(png));
    expect(bytesOf(parsePastedText(JSON.stringify({ image_data: `data:image/png;base64,${b64}` }))[0])).toEqual(Array.from(png));
    // Python's json.dumps of encodebytes output keeps the \n escapes.
    expect(bytesOf(parsePastedText(JSON.stringify({ image_data: wrapped }))[0])).toEqual(Array.from(png));
  });
  it('accepts {"image_url": "..."}', () => {
    expect(parsePastedText('{"image_url": "https://example.com/a/cat.jpg"}')).toEqual([
      { kind: 'url', url: 'https://example.com/a/cat.jpg', name: 'cat.jpg' },
    ]);
  });
  it('accepts a JSON array of bodies, spread over lines, keeping order', () => {
    const text = JSON.stringify([{ image_url: 'http://example.com/1.png' }, { image_data: b64 }, { other: 1 }], null, 2);
    const items = parsePastedText(text);
    expect(items.map((i) => i.kind)).toEqual(['url', 'bytes', 'error']);
  });
  it('accepts one JSON body per line', () => {
    const items = parsePastedText(`{"image_url": "http://example.com/x.gif"}\n{"image_data": "${b64}"}`);
    expect(items.map((i) => i.kind)).toEqual(['url', 'bytes']);
  });
  it.each([
    ['without either field', '{"image": "x"}', 'neither an "image_data" nor an "image_url"'],
    ['that is broken', '{"image_data": ', 'cannot be read'],
    ['with a non-http URL', '{"image_url": "ftp://example.com/a.png"}', 'Only http and https'],
    ['an empty array', '[]', 'empty'],
  ])('gives a clear error for JSON %s', (_, text, message) => {
    expect(errorOf(parsePastedText(text)[0]).message).toContain(message);
  });
});

describe('URLs', () => {
  it('takes http and https URLs one per line, named by their file name', () => {
    const items = parsePastedText('https://example.com/photos/cat%20one.jpg?size=big\nhttp://example.com/\n\nHTTPS://EXAMPLE.org/a/b/c.webp');
    expect(items).toEqual([
      { kind: 'url', url: 'https://example.com/photos/cat%20one.jpg?size=big', name: 'cat one.jpg' },
      { kind: 'url', url: 'http://example.com/', name: 'example.com' },
      { kind: 'url', url: 'https://example.org/a/b/c.webp', name: 'c.webp' },
    ]);
  });
});

describe('mixed pastes', () => {
  it('keeps each item separate and in order, with errors in place', () => {
    const text = [
      'https://example.com/a.png',
      wrapped,
      'this line is prose, not an image',
      `data:image/png;base64,${b64}`,
      '{"image_url": "https://example.com/b.jpg"}',
      urlSafe,
    ].join('\n');
    const items = parsePastedText(text);
    expect(items.map((i) => i.kind)).toEqual(['url', 'bytes', 'error', 'bytes', 'url', 'bytes']);
    expect(errorOf(items[2]).message).toMatch(/Line \d+ .* is not base64, a data URL, JSON or an http\(s\) URL/);
  });
  it('keeps two unpadded base64 texts on consecutive lines apart, even of equal length', () => {
    const bmp = Buffer.from(readFileSync(resolve(__dirname, '../fixtures/rgb24.bmp'))).toString('base64url');
    expect(parsePastedText(`${urlSafe}\n${bmp}`).map((i) => i.kind)).toEqual(['bytes', 'bytes']);
    expect(bytesOf(parsePastedText(`${urlSafe}\n${bmp}`)[0])).toEqual(Array.from(png));
    expect(parsePastedText(`${urlSafe}\n${urlSafe}`).map((i) => i.kind)).toEqual(['bytes', 'bytes']);
    // PEM-style 64-character wrapping is still one item.
    const pem = b64.match(/.{1,64}/g)!.join('\n');
    expect(bytesOf(parsePastedText(pem)[0])).toEqual(Array.from(png));
  });

  it('keeps a one-line data URL and a base64 line under it apart, padded or not', () => {
    const bmp = Buffer.from(readFileSync(resolve(__dirname, '../fixtures/rgb24.bmp'))).toString('base64');
    for (const dataUrl of [`data:image/png;base64,${b64}`, `data:image/png;base64,${urlSafe}`]) {
      const items = parsePastedText(`${dataUrl}\n${bmp}`);
      expect(items.map((i) => i.kind)).toEqual(['bytes', 'bytes']);
      expect(bytesOf(items[0])).toEqual(Array.from(png));
      expect(bytesOf(items[1]).length).toBe(24630);
    }
  });

  it('separates two base64 blocks by a blank line', () => {
    const items = parsePastedText(`${wrapped}\n\n${wrapped}`);
    expect(items.map((i) => i.kind)).toEqual(['bytes', 'bytes']);
  });
  it('gives nothing for an empty paste', () => {
    expect(parsePastedText('  \n\n ')).toEqual([]);
  });
});
