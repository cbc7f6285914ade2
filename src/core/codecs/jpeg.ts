/**
 * JPEG: header probe in TypeScript, decode with libjpeg-turbo (mozjpeg build, via
 * @jsquash/jpeg), CMYK/YCCK through jpeg-js, encode with mozjpeg.
 *
 * Three things about the WASM decoder shape this file:
 * - On a fatal error libjpeg prints its reason through emscripten's printErr and
 *   calls exit(1), which reaches us only as "Program terminated with exit(1)". We
 *   capture printErr so the error says what libjpeg said ("Bogus Huffman table
 *   definition").
 * - That exit unwinds through the WASM frames without restoring its stack pointer
 *   or freeing its memory: after a few dozen failed decodes in one instance, a
 *   good file crashed with "memory access out of bounds". So after every fatal
 *   error the instance is thrown away and a fresh one is made.
 * - Warnings ("Premature end of JPEG file", "Corrupt JPEG data: N extraneous
 *   bytes") do not stop it: a truncated file decodes with its missing part grey,
 *   which is what browsers show too, so we keep that image.
 */
import decodeWithLibjpeg, { init as initDecoderUntyped } from '@jsquash/jpeg/decode.js';
import encodeJpeg, { init as initEncoderUntyped } from '@jsquash/jpeg/encode.js';
import jpegJs from 'jpeg-js';
import { codecCrashed, codecLoaded, corrupt, ThumbnailError, truncated, unsupportedFeature } from '../errors';
import { jpegOrientationFromSegments, readJpegSegments, type JpegSegment } from '../exif';
import { isSrgbProfile } from '../icc';
import { createRawImage, type RawImage } from '../image';
import { concatBytes, defineCodec, toArrayBuffer, type EncodeSettings, type ImageInfo } from './codec';
import { providedWasm } from './wasm';

const FORMAT = 'JPEG';

/**
 * jSquash's .d.ts declares init(overrides) only, but its JS takes (module, overrides):
 * the compiled module (undefined in the browser, where it fetches its own) and
 * emscripten Module options.
 */
type EmscriptenInit = (
  module: WebAssembly.Module | undefined,
  overrides: { printErr?: (text: string) => void; print?: (text: string) => void },
) => Promise<unknown>;
const initDecoder = initDecoderUntyped as unknown as EmscriptenInit;
const initEncoder = initEncoderUntyped as unknown as EmscriptenInit;

// ---------------------------------------------------------------------------
// Probe

/** Start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 is DHT, C8 reserved, CC is DAC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** SOF payload: precision (1 byte), height (2), width (2), component count (1), ... */
function frameSize(bytes: Uint8Array, sof: JpegSegment): { width: number; height: number } {
  if (sof.end - sof.start < 6) throw corrupt(FORMAT, 'the frame header is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset + sof.start, 5);
  return { height: view.getUint16(1), width: view.getUint16(3) };
}

function probe(bytes: Uint8Array): ImageInfo {
  const { segments, end } = readJpegSegments(bytes);
  const sof = segments.find((s) => isStartOfFrame(s.marker));
  if (!sof) {
    // Ending inside the header is a cut-short file; a complete header without a frame is damage.
    if (end === 'truncated') throw truncated(FORMAT);
    throw corrupt(FORMAT, 'it has no frame header (SOF), so its size is unknown');
  }
  const { width, height } = frameSize(bytes, sof);
  // Height 0 means "given later in a DNL marker", which libjpeg (and every browser) rejects.
  if (height === 0) throw corrupt(FORMAT, 'the image height is 0');
  if (width === 0) throw corrupt(FORMAT, 'the image width is 0');
  const info: ImageInfo = { format: 'jpeg', width, height, orientation: jpegOrientationFromSegments(bytes, segments) };
  const profile = iccProfile(bytes, segments);
  if (profile && !isSrgbProfile(profile)) info.foreignColourProfile = true;
  return end === 'truncated' || (end === 'sos' && endsInScan(bytes, segments.at(-1)!)) ? { ...info, cutShort: true } : info;
}

/**
 * No end-of-image marker after the first scan starts: the file was cut short. The
 * entropy-coded data cannot hold FF D9 (an FF there is always followed by 00 or a
 * restart marker), and one in an embedded EXIF thumbnail sits before the first scan.
 * Searched from the end, where it normally is, so a whole file costs nothing.
 */
function endsInScan(bytes: Uint8Array, sos: JpegSegment): boolean {
  for (let i = bytes.length - 2; i >= sos.end; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Decode

/** Lines libjpeg printed during the current decode (warnings, then the fatal reason last). */
let libjpegMessages: string[] = [];
let decoderReady: Promise<unknown> | undefined;
/** Decodes run one at a time so each one's messages are its own (the call awaits inside jSquash). */
let decodeQueue: Promise<unknown> = Promise.resolve();

function freshDecoder(): Promise<unknown> {
  const ready = initDecoder(providedWasm('jpegDecode'), {
    printErr: (text) => libjpegMessages.push(text),
    print: (text) => libjpegMessages.push(text),
  });
  ready.catch(() => undefined); // a failed start is reported by the next decode that awaits it
  decoderReady = ready;
  return ready;
}

/** What emscripten throws on exit(): not an Error, just { name: 'ExitStatus', status }. */
function isExitStatus(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ExitStatus';
}

/** Why libjpeg gave up, as a typed error; null for CMYK/YCCK, which jpeg-js can decode. */
function libjpegFailure(messages: readonly string[]): ThumbnailError | null {
  const reason = messages.at(-1) ?? 'the decoder stopped without giving a reason';
  if (/Unsupported color conversion request/i.test(reason)) return null;
  if (/arithmetic coding is not implemented/i.test(reason)) {
    return unsupportedFeature(FORMAT, 'arithmetic-coded JPEG (a rarely used compression mode)');
  }
  if (/data precision 12/i.test(reason)) return unsupportedFeature(FORMAT, '12-bit JPEG (medical/scientific images)');
  const process = /SOF type 0x(c[0-9a-f])/i.exec(reason)?.[1]?.toLowerCase();
  if (process) return unsupportedFeature(FORMAT, jpegProcessName(process));
  if (/Maximum supported image dimension/i.test(reason)) {
    return unsupportedFeature(FORMAT, 'an image wider or taller than 65,500 pixels');
  }
  if (messages.some((m) => /Premature end of JPEG file/i.test(m)) && /contains no image|Empty input/i.test(reason)) {
    return truncated(FORMAT);
  }
  return corrupt(FORMAT, `${reason.replace(/\.$/, '')} (libjpeg)`);
}

function jpegProcessName(sofType: string): string {
  if (['c3', 'c7', 'cb', 'cf'].includes(sofType)) return 'lossless JPEG';
  if (['c5', 'c6', 'cd', 'ce'].includes(sofType)) return 'hierarchical JPEG';
  return `an unusual JPEG process (SOF type 0x${sofType})`;
}

/** One libjpeg decode; on a fatal error the instance is replaced (see the file comment). */
async function decodeOnce(bytes: Uint8Array): Promise<RawImage | ThumbnailError | null> {
  libjpegMessages = [];
  // A decoder that failed to load is not kept: the next file tries again.
  await codecLoaded('JPEG decoder', decoderReady ?? freshDecoder()).catch((e: unknown) => {
    decoderReady = undefined;
    throw e;
  });
  try {
    // preserveOrientation false: the pipeline orients from the probed EXIF tag, for every format alike.
    const image = await decodeWithLibjpeg(toArrayBuffer(bytes), { preserveOrientation: false });
    return createRawImage(image.width, image.height, image.data);
  } catch (e) {
    void freshDecoder();
    if (e instanceof WebAssembly.RuntimeError) {
      return codecCrashed('JPEG decoder', e.message);
    }
    // exit(1) after libjpeg's message, or jSquash's own "Decoding error": either way the messages say why.
    return isExitStatus(e) || libjpegMessages.length > 0
      ? libjpegFailure(libjpegMessages)
      : corrupt(FORMAT, e instanceof Error ? e.message : String(e));
  }
}

/**
 * CMYK and YCCK JPEGs (print workflows; Photoshop writes them with an Adobe
 * marker) are decoded by jpeg-js, which knows Adobe's inverted CMYK and the
 * YCCK transform, then turned into RGB with R = (1-C)(1-K) like Pillow and
 * ImageMagick do without a colour profile. Slower, but these files are rare.
 */
function decodeCmyk(bytes: Uint8Array, width: number, height: number): RawImage {
  // jpeg-js counts its allocations; it needs ~30 bytes per pixel for 4 components.
  const megabytes = Math.ceil((width * height * 32) / (1024 * 1024)) + 64;
  try {
    const image = jpegJs.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      colorTransform: undefined, // let the Adobe marker decide, as the spec says
      maxMemoryUsageInMB: megabytes,
      maxResolutionInMP: Math.ceil((width * height) / 1e6) + 1,
    });
    const data = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    return createRawImage(image.width, image.height, data);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/4 components/.test(text)) throw unsupportedFeature(FORMAT, 'CMYK without an Adobe marker');
    throw corrupt(FORMAT, `${text.replace(/\.$/, '')} (CMYK decoder)`);
  }
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const { width, height } = probe(bytes);
  const run = decodeQueue.then(() => decodeOnce(bytes));
  decodeQueue = run.catch(() => undefined);
  const result = await run;
  if (result instanceof ThumbnailError) throw result;
  return result ?? decodeCmyk(bytes, width, height);
}

// ---------------------------------------------------------------------------
// Encode

let encoderReady: Promise<unknown> | undefined;
let encoderMessages: string[] = [];

/** The pipeline flattens alpha before JPEG, so the image here is opaque. */
async function encode(image: RawImage, settings: EncodeSettings): Promise<Uint8Array> {
  encoderReady ??= initEncoder(providedWasm('jpegEncode'), { printErr: (text) => encoderMessages.push(text) });
  await codecLoaded('JPEG encoder', encoderReady);
  encoderMessages = [];
  try {
    // jSquash types its input as the DOM ImageData; it reads only width, height and data.
    const output = await encodeJpeg(image as unknown as ImageData, { quality: settings.quality });
    return new Uint8Array(output);
  } catch (e) {
    encoderReady = undefined; // like the decoder, an exit() leaves the instance unsafe: start afresh next time
    const reason = encoderMessages.at(-1) ?? (e instanceof Error ? e.message : String(e));
    throw new ThumbnailError('codec-crashed', 'The JPEG encoder failed on this image.', reason);
  }
}

// ---------------------------------------------------------------------------
// Metadata

const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
/** 'ICC_PROFILE\0', then the chunk's sequence number and the chunk count. */
const ICC_PREFIX = 'ICC_PROFILE\0';

function isIccSegment(bytes: Uint8Array, s: JpegSegment): boolean {
  return s.marker === APP2 && s.end - s.start > ICC_PREFIX.length + 2 && String.fromCharCode(...bytes.subarray(s.start, s.start + ICC_PREFIX.length)) === ICC_PREFIX;
}

/** The embedded ICC profile, its APP2 chunks joined in sequence order; undefined when there is none. */
function iccProfile(bytes: Uint8Array, segments: readonly JpegSegment[]): Uint8Array | undefined {
  const chunks = segments.filter((s) => isIccSegment(bytes, s)).sort((a, b) => (bytes[a.start + 12] ?? 0) - (bytes[b.start + 12] ?? 0));
  if (chunks.length === 0) return undefined;
  return concatBytes(chunks.map((s) => bytes.subarray(s.start + ICC_PREFIX.length + 2, s.end)));
}

/** Whether a segment draws the picture (kept) or only describes it (dropped): see withoutMetadata. */
function drawsPicture(bytes: Uint8Array, marker: number, start: number, end: number): boolean {
  if (marker === 0xfe) return false; // COM
  if (marker < APP0 || marker > 0xef) return true; // tables, frames, scans, restart intervals, JPG extensions
  if (marker === APP14) return true; // Adobe: says whether the channels are RGB, YCbCr, CMYK or YCCK
  if (marker === APP2) return isIccSegment(bytes, { marker, start, end });
  // APP0 JFIF without its own little thumbnail (a JFIF thumbnail, or a JFXX one, would show the uncropped picture).
  return marker === APP0 && end - start >= 14 && String.fromCharCode(...bytes.subarray(start, start + 5)) === 'JFIF\0' && bytes[start + 12] === 0 && bytes[start + 13] === 0;
}

function isStandaloneMarker(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * The file with only what draws the picture: the tables, frame and scans, the
 * colour profile (APP2 ICC_PROFILE), Adobe's colour-transform flag (APP14, without
 * which CMYK and RGB files decode wrongly) and a plain JFIF header. EXIF (with GPS
 * and the camera's serial), XMP, IPTC, comments, embedded thumbnails, and anything
 * after the end marker (MPF second images, phone depth maps) are left out.
 *
 * The walk goes through every scan, not just up to the first: a progressive file
 * may carry segments between its scans, and an EXIF block there (with its own
 * thumbnail's end marker inside) must neither survive nor end the walk early.
 * A file whose structure does not walk cleanly to its end marker gives undefined:
 * it is never handed back, since nothing vouches for what it still carries.
 */
function withoutMetadata(bytes: Uint8Array): Uint8Array | undefined {
  const kept: Uint8Array[] = [bytes.subarray(0, 2)];
  let pos = 2;
  while (pos + 1 < bytes.length) {
    if (bytes[pos] !== 0xff) {
      // Entropy-coded data: runs to the next marker that is not a stuffed 00, a fill FF or a restart.
      let at = pos;
      while (at + 1 < bytes.length && !(bytes[at] === 0xff && bytes[at + 1] !== 0x00 && bytes[at + 1] !== 0xff && !isStandaloneMarker(bytes[at + 1]!))) at++;
      if (at + 1 >= bytes.length) break;
      kept.push(bytes.subarray(pos, at));
      pos = at;
      continue;
    }
    let m = pos + 1;
    while (bytes[m] === 0xff) m++; // fill bytes before a marker
    const marker = bytes[m] ?? 0;
    if (marker === 0xd9) {
      kept.push(bytes.subarray(m - 1, m + 1));
      return concatBytes(kept);
    }
    if (isStandaloneMarker(marker)) {
      kept.push(bytes.subarray(m - 1, m + 1));
      pos = m + 1;
      continue;
    }
    if (m + 3 > bytes.length) break;
    const end = m + 1 + (((bytes[m + 1] ?? 0) << 8) | (bytes[m + 2] ?? 0));
    if (end > bytes.length || end < m + 3) break;
    if (drawsPicture(bytes, marker, m + 3, end)) kept.push(bytes.subarray(m - 1, end));
    pos = end;
  }
  return undefined;
}

// ---------------------------------------------------------------------------

export const jpegCodec = defineCodec({
  format: 'jpeg',
  label: 'JPEG',
  mimeType: 'image/jpeg',
  extension: 'jpg',
  fileExtensions: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  sameAsInput: 'itself',
  // Chromium 150, 12 MP, added-to-shown time over the canvas path: WebCodecs at a
  // DCT scale 0.96x, createImageBitmap 1.91x, ours 3.98x (24 MP: 0.48, 1.60, 2.70).
  decoders: ['webcodecs', 'bitmap', 'core'],
  takesQuality: true,
  wasm: { jpegDecode: '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm', jpegEncode: '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm' },
  keepsAlpha: false,
  sniff: (bytes) => bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff,
  looksLike: (bytes) => bytes[0] === 0xff && bytes[1] === 0xd8, // SOI, whatever follows
  probe,
  decode,
  encode,
  withoutMetadata,
});
