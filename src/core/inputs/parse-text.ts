import type { ThumbnailErrorData } from '../errors';
import { decodeBase64 } from './base64';

/**
 * One thing found in pasted text. Items keep the order they had in the text.
 * - bytes: decoded base64 or a data URL (whether they are an image is the pipeline's call)
 * - url: an http(s) address to fetch
 * - error: a part that is none of the accepted forms, with a message saying why
 */
export type TextItem =
  | { kind: 'bytes'; source: 'base64' | 'data-url' | 'json'; bytes: Uint8Array }
  | { kind: 'url'; url: string; name: string }
  | { kind: 'error'; name: string; error: ThumbnailErrorData };

/**
 * A run of base64 shorter than this is almost surely a word, not an image:
 * the smallest real image file (a 1x1 GIF, 26 bytes) is 36 characters.
 */
const MIN_BASE64_CHARS = 16;

const invalid = (name: string, message: string): TextItem => ({ kind: 'error', name, error: { code: 'invalid-input', message } });

/**
 * Splits a paste into items. Accepted:
 * - raw base64 (standard or URL-safe, padded or not, wrapped in lines) — one block
 *   per item, blocks separated by blank lines or other items;
 * - `data:image/...;base64,` URLs;
 * - the old API's JSON bodies {"image_data": "..."} and {"image_url": "..."},
 *   alone, in a JSON array, or one per line;
 * - http and https URLs, one per line.
 */
export function parsePastedText(text: string): TextItem[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  // A whole-paste JSON document (may span lines, may be an array).
  if (/^[[{]/.test(trimmed)) {
    const whole = tryJson(trimmed);
    if (whole.ok) return fromJsonValue(whole.value, 'pasted JSON');
    if (!trimmed.includes('\n')) return [invalid(snippet(trimmed), `This looks like JSON but cannot be read: ${whole.message}.`)];
  }
  return parseLines(trimmed.split(/\r?\n/));
}

/**
 * Wrapped base64 has every line but the last at one width (76 for MIME and
 * Python's encodebytes, 64 for PEM). A line may continue a block only when the
 * block's last line is full-width and this one is no wider; so two unpadded base64
 * texts on consecutive lines stay two items. Lines over 128 characters are never
 * wrapping (encoders wrap at 64 or 76).
 */
const MAX_WRAP_WIDTH = 128;

function parseLines(lines: string[]): TextItem[] {
  const items: TextItem[] = [];
  let block: string[] = []; // base64 (or a data URL) wrapped over several lines
  let blockStart = 0;
  let width = 0; // the block's wrap width, from its first base64 line

  const flush = () => {
    if (block.length === 0) return;
    items.push(fromBase64OrDataUrl(block.join(''), block.length > 1 ? `lines ${blockStart}-${blockStart + block.length - 1}` : `line ${blockStart}`));
    block = [];
  };
  const start = (line: string, lineNo: number) => {
    flush();
    block = [line];
    blockStart = lineNo;
    width = line.length;
  };
  const continues = (line: string) => {
    if (block.length === 0) return false;
    const first = block[0]!;
    if (block.length === 1 && /^data:/i.test(first)) {
      // A data URL's first line carries its prefix, so the wrap width comes from the
      // next line; and only a short payload on that first line can be a wrapped one.
      const payload = first.slice(first.indexOf(',') + 1);
      if (!first.includes(',') || payload.length > MAX_WRAP_WIDTH) return false;
      width = line.length;
      return width <= MAX_WRAP_WIDTH;
    }
    const last = block[block.length - 1]!;
    return width <= MAX_WRAP_WIDTH && last.length === width && line.length <= width;
  };

  lines.forEach((raw, index) => {
    const line = raw.trim();
    const lineNo = index + 1;
    if (!line) return flush();
    if (/^https?:\/\//i.test(line)) {
      flush();
      return void items.push(fromUrl(line, `line ${lineNo}`));
    }
    if (line.startsWith('{') || line.startsWith('[')) {
      flush();
      const parsed = tryJson(line);
      return void items.push(
        ...(parsed.ok ? fromJsonValue(parsed.value, `line ${lineNo}`) : [invalid(`line ${lineNo}`, `Line ${lineNo} looks like JSON but cannot be read: ${parsed.message}.`)]),
      );
    }
    if (/^data:/i.test(line)) {
      start(line, lineNo);
      if (line.endsWith('=')) flush(); // padding ends it, as for plain base64
      return;
    }
    if (/^[A-Za-z0-9+/\-_=]+$/.test(line)) {
      if (continues(line)) block.push(line);
      else start(line, lineNo);
      // Padding ends a base64 text: what follows is a new item.
      if (line.endsWith('=')) flush();
      return;
    }
    flush();
    items.push(invalid(`line ${lineNo}`, `Line ${lineNo} (${snippet(line)}) is not base64, a data URL, JSON or an http(s) URL.`));
  });
  flush();
  return items;
}

/** Base64 text or a data URL (possibly wrapped over lines, already joined). */
function fromBase64OrDataUrl(text: string, where: string): TextItem {
  if (/^data:/i.test(text)) return fromDataUrl(text, where);
  if (text.replace(/=+$/, '').length < MIN_BASE64_CHARS) {
    return invalid(where, `${capitalise(where)} (${snippet(text)}) is too short to be a base64 image, and is not a URL or JSON.`);
  }
  const bytes = decodeBase64(text);
  if (!bytes) return invalid(where, `${capitalise(where)} is not valid base64 (${snippet(text)}).`);
  return { kind: 'bytes', source: 'base64', bytes };
}

const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/is;

function fromDataUrl(text: string, where: string): TextItem {
  const m = DATA_URL.exec(text.replace(/\s+/g, ''));
  if (!m) return invalid(where, `${capitalise(where)} is not a valid data URL (it needs a comma before the data).`);
  const mime = (m[1] || 'text/plain').toLowerCase();
  const isBase64 = /;base64/i.test(m[2] ?? '');
  if (!mime.startsWith('image/')) return invalid(where, `The data URL in ${where} holds ${mime}, not an image.`);
  const payload = m[3] ?? '';
  const bytes = isBase64 ? decodeBase64(payload) : percentDecode(payload);
  if (!bytes || bytes.length === 0) return invalid(where, `The data URL in ${where} has no valid ${isBase64 ? 'base64 ' : ''}data.`);
  return { kind: 'bytes', source: 'data-url', bytes };
}

function percentDecode(s: string): Uint8Array | null {
  try {
    return new TextEncoder().encode(decodeURIComponent(s));
  } catch {
    return null;
  }
}

function fromUrl(text: string, where: string): TextItem {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid(where, `${capitalise(where)} is not a valid URL (${snippet(text)}).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid(where, `Only http and https URLs can be fetched (${where}).`);
  return { kind: 'url', url: url.href, name: nameFromUrl(url) };
}

/** 'https://example.com/photos/cat%20one.jpg?x=1' -> 'cat one.jpg'; no file name -> the host. */
export function nameFromUrl(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (last) {
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  }
  return url.hostname;
}

/** The old API's request bodies: {"image_data": "..."} / {"image_url": "..."}, or an array of them. */
function fromJsonValue(value: unknown, where: string): TextItem[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [invalid(where, `The JSON array in ${where} is empty.`)];
    return value.flatMap((v, i) => fromJsonValue(v, `${where}, item ${i + 1}`));
  }
  if (typeof value === 'string') {
    const inner = parseLines([value]);
    return inner.length ? inner : [invalid(where, `The string in ${where} is empty.`)];
  }
  if (value && typeof value === 'object') {
    const body = value as Record<string, unknown>;
    if (typeof body.image_data === 'string') {
      const item = fromBase64OrDataUrl(body.image_data.trim(), `"image_data" in ${where}`);
      return [item.kind === 'bytes' ? { ...item, source: 'json' } : item];
    }
    if (typeof body.image_url === 'string') return [fromUrl(body.image_url.trim(), `"image_url" in ${where}`)];
  }
  return [invalid(where, `The JSON in ${where} has neither an "image_data" nor an "image_url" field.`)];
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

function snippet(text: string): string {
  return text.length > 40 ? `"${text.slice(0, 37)}…"` : `"${text}"`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
