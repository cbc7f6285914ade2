/**
 * Everything that can go wrong with one image, in one list.
 *
 * Errors cross the worker boundary as plain data ({ code, message }), because
 * structured clone keeps only an Error's message; the code is what the UI and
 * tests switch on, the message is what a person reads.
 */
export type ThumbnailErrorCode =
  | 'empty' // zero bytes
  | 'unsupported-format' // bytes are not any image format we know
  | 'unsupported-feature' // a known format, but a variant our codecs cannot decode
  | 'corrupt' // the header or data is damaged
  | 'truncated' // the file ends before the image does
  | 'too-large' // declared dimensions exceed the pixel limit
  | 'invalid-options' // width/height/quality out of range
  | 'codec-crashed' // the WASM codec aborted; the worker is replaced
  | 'codec-unavailable' // a codec's WASM could not be fetched or compiled; the file may be fine
  | 'worker-failed' // the worker itself died, timed out or could not start
  | 'unreadable' // the input's bytes could not be read (file gone, permission)
  // Pasted text and URLs:
  | 'invalid-input' // pasted text that is not base64, a data URL, JSON or a URL
  | 'host-not-found' // the URL's host name does not resolve
  | 'http-error' // the server answered with an error status
  | 'not-an-image' // the URL gave something else (an HTML page, say)
  | 'timed-out' // the URL took too long
  | 'refused' // the proxy's safety rules refused the target (private address...)
  | 'rate-limited' // too many proxy requests from this client
  | 'network' // the server could not be reached
  | 'offline' // the browser is offline
  | 'cancelled'; // the person stopped it

/**
 * `message` is the headline a person reads, in plain words; `detail` is what a
 * developer needs (the decoder's own words, the first bytes), shown behind a
 * "Details" disclosure.
 */
export interface ThumbnailErrorData {
  code: ThumbnailErrorCode;
  message: string;
  detail?: string;
}

export class ThumbnailError extends Error {
  readonly code: ThumbnailErrorCode;
  readonly detail: string | undefined;
  constructor(code: ThumbnailErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ThumbnailError';
    this.code = code;
    this.detail = detail;
  }
  toData(): ThumbnailErrorData {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }
}

export function isThumbnailError(e: unknown): e is ThumbnailError {
  return e instanceof ThumbnailError;
}

/** Any thrown value as error data a person can read. Unknown throws become 'corrupt'. */
export function toErrorData(e: unknown): ThumbnailErrorData {
  if (isThumbnailError(e)) return e.toData();
  const text = e instanceof Error ? e.message : String(e);
  if (/out of memory|Aborted|RuntimeError|unreachable/i.test(text)) {
    return { code: 'codec-crashed', message: 'The image decoder failed on this file, which is probably damaged.', detail: text };
  }
  return { code: 'corrupt', message: 'This image is damaged and cannot be shown.', detail: text };
}

/** `detail` says what exactly is wrong, in the decoder's terms; it goes behind "Details". */
export const corrupt = (format: string, detail: string) =>
  new ThumbnailError('corrupt', `This ${format} is damaged and cannot be shown.`, sentence(detail));

export const truncated = (format: string) =>
  new ThumbnailError('truncated', `This ${format} is damaged: it ends before the image data is complete.`, 'The file is cut short (an interrupted download or copy).');

/** `feature` is named in the headline: it is what a person can act on ("12-bit JPEG"). */
export const unsupportedFeature = (format: string, feature: string) =>
  new ThumbnailError('unsupported-feature', `This ${format} uses a feature we cannot decode: ${feature}.`);

/** A decoder crash (a WASM abort): the file is almost always at fault, the worker is replaced. */
export const codecCrashed = (what: string, detail: string) =>
  new ThumbnailError('codec-crashed', `The ${what} failed on this file, which is probably damaged.`, sentence(detail));

/**
 * A codec's WASM that could not be fetched or compiled (a network error, an
 * offline browser without the app cached): not the file's fault, so it must not
 * read "damaged". Retrying after a reload usually works.
 */
export const codecUnavailable = (what: string, detail: string) =>
  new ThumbnailError('codec-unavailable', `The ${what} could not be loaded, so this image was not made. Reload the page and retry it.`, sentence(detail));

/** Awaits a codec's start-up, reporting a failure to load as codecUnavailable rather than as a damaged file. */
export async function codecLoaded(what: string, ready: Promise<unknown>): Promise<void> {
  try {
    await ready;
  } catch (e) {
    throw isThumbnailError(e) ? e : codecUnavailable(what, e instanceof Error ? e.message : String(e));
  }
}

/** 'its IDAT chunk is bad' -> 'Its IDAT chunk is bad.' */
function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?)]$/.test(t) ? '' : '.');
}
