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
  | 'offline'; // the browser is offline

export interface ThumbnailErrorData {
  code: ThumbnailErrorCode;
  message: string;
}

export class ThumbnailError extends Error {
  readonly code: ThumbnailErrorCode;
  constructor(code: ThumbnailErrorCode, message: string) {
    super(message);
    this.name = 'ThumbnailError';
    this.code = code;
  }
  toData(): ThumbnailErrorData {
    return { code: this.code, message: this.message };
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
    return { code: 'codec-crashed', message: `The image decoder crashed (${text}).` };
  }
  return { code: 'corrupt', message: `The image data is damaged and could not be read (${text}).` };
}

export const corrupt = (format: string, detail: string) =>
  new ThumbnailError('corrupt', `This ${format} file is damaged: ${detail}.`);

export const truncated = (format: string) =>
  new ThumbnailError('truncated', `This ${format} file is cut short: it ends before the image data does.`);

export const unsupportedFeature = (format: string, detail: string) =>
  new ThumbnailError('unsupported-feature', `This ${format} file uses a feature we cannot decode: ${detail}.`);
