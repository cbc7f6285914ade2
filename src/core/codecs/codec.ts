import type { DecoderName } from '../decode-route';
import type { Orientation, RawImage } from '../image';

/** A format's id ('jpeg', 'png', 'avif'...): whatever the registry's codecs declare (registry.ts). */
export type { ImageFormat } from './registry';
import type { ImageFormat } from './registry';

/** What a header tells before any pixel is decoded. Width/height are as STORED (before orientation). */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** EXIF orientation, 1 when absent or invalid. */
  orientation: Orientation;
  /**
   * True when the header is whole but the file ends before its image data does
   * (an interrupted download). Only our decoders see such a file: the browsers
   * disagree on it (Chromium 156 refuses it, Firefox 153 shows what there is,
   * WebKitGTK 2.50 returns a blank image of the full size).
   */
  cutShort?: boolean;
  /** An animation (APNG, animated WebP): a thumbnail is its first frame, so the file itself is never handed back. */
  animated?: boolean;
  /**
   * The file embeds a colour profile that is not sRGB (a Display P3 phone photo,
   * an Adobe RGB export). Our decoders hand over the stored numbers without
   * converting them, so colours may come out duller or shifted: the card says so.
   */
  foreignColourProfile?: boolean;
}

/**
 * An encoder setting beyond quality (AVIF's speed): the settings panel shows it
 * when this codec is the output, options validation checks its range, and the
 * encoder finds it in EncodeSettings under `key`.
 */
export interface EncoderSetting {
  key: string;
  label: string;
  min: number;
  max: number;
  default: number;
  /** One line under the field: what moving it does. */
  hint: string;
}

export interface EncodeSettings {
  /** 1..100; ignored by lossless encoders. */
  quality: number;
  /** The codec's own settings (EncoderSetting.key -> value), defaults filled in. */
  [setting: string]: number;
}

/**
 * One self-describing module per format (the Squoosh idea): what it is called,
 * how it is recognised, how it is read and written, what it can be told, and
 * where its WebAssembly lives. Everything else (the format menu, the file
 * picker, the app manifest, option checks, messages, the proxy's "is this an
 * image" test, Node's WASM loading) is derived from the list in registry.ts.
 * All byte inputs are Uint8Array views; implementations must not assume byteOffset 0.
 */
export interface Codec<F extends string = string> {
  format: F;
  label: string;
  mimeType: string;
  /** The extension our thumbnails of this format get. */
  extension: string;
  /** Every extension files of this format are commonly saved with, dot included. */
  fileExtensions: readonly string[];
  /** Whether the encoded output keeps an alpha channel. */
  keepsAlpha: boolean;
  /**
   * What "Same as input" writes for it. 'itself' for formats every browser shows in
   * an <img> (JPEG, PNG, WebP, AVIF); 'png' for graphics not worth keeping (BMP is
   * uncompressed; we write no GIF); 'jpeg' for photos in formats browsers do not
   * show (HEIC, TIFF, JPEG XL), PNG instead when the picture has transparency.
   */
  sameAsInput: 'itself' | 'png' | 'jpeg';
  /**
   * Name prefixes of built files that only this format needs and that are too big
   * to fetch for a page that never meets it (e.g. 'libheif-js': vite.config.ts names
   * a package's chunks after it, assets/libheif-js-*.js). The service worker does not
   * precache them, and keeps each the first time it is fetched (so the format works
   * offline once used). A page that only ever gets JPEGs downloads none of them.
   */
  fetchedOnFirstUse?: readonly string[];
  /**
   * The decoders to try in a browser, fastest first for equal output, as
   * `npm run bench` measured them ('core' is ours; see decode-route.ts). Ours
   * must be among them: a file is only called broken once ours has had its turn.
   */
  decoders: readonly DecoderName[];
  /** Whether the quality setting (1..100) changes its output. */
  takesQuality: boolean;
  /** Settings beyond quality (see EncoderSetting). */
  settings?: readonly EncoderSetting[];
  /**
   * Its WebAssembly modules, by the key the codec reads from providedWasm(),
   * as paths inside node_modules. The browser fetches each beside its glue code
   * by itself; Node compiles these files (src/node/wasm.ts).
   */
  wasm?: Readonly<Record<string, string>>;
  /** Cheap magic-byte test. */
  sniff(bytes: Uint8Array): boolean;
  /**
   * A looser test: the bytes begin like this format (its first signature bytes) even
   * though sniff() refused them. Such a file is a damaged one of this format, which
   * is what a person must be told, not "not an image format we can read".
   */
  looksLike(bytes: Uint8Array): boolean;
  /** Dimensions and orientation from the header; throws ThumbnailError when unreadable. */
  probe(bytes: Uint8Array): ImageInfo;
  /** Full decode to 8-bit RGBA; throws ThumbnailError. */
  decode(bytes: Uint8Array): Promise<RawImage>;
  /**
   * A smaller decode when the file offers one cheaply (a HEIC's own thumbnail
   * item): at least `least` on both sides, the same shape as the full image, in
   * stored orientation; null when it has nothing so large (then decode() runs).
   * The pipeline checks the answer as it checks a browser decoder's.
   */
  decodeAtLeast?(bytes: Uint8Array, least: { width: number; height: number }): Promise<RawImage | null>;
  /** Absent when we cannot write this format (GIF). */
  encode?(image: RawImage, settings: EncodeSettings): Promise<Uint8Array>;
  /**
   * The same picture with every metadata block that can say who, where or when
   * (EXIF with GPS, XMP, comments, text chunks) removed and nothing else changed:
   * what "original kept" hands out. The colour profile stays (it is how the
   * pixels are meant to look). Undefined when this file's structure does not
   * walk cleanly (then it is never handed back); absent when the format cannot
   * be cleaned losslessly at all.
   */
  withoutMetadata?(bytes: Uint8Array): Uint8Array | undefined;
}

/** Declares a codec with its id kept as a literal type, so the registry can derive ImageFormat from it. */
export function defineCodec<const F extends string>(codec: Codec<F>): Codec<F> {
  return codec;
}

/** A fresh ArrayBuffer holding exactly the view's bytes (jSquash wants ArrayBuffer, not a view). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  // new Uint8Array(view) copies; a Node Buffer's own slice() would not (it shares memory).
  return new Uint8Array(bytes).buffer;
}

/** The parts one after another in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
