import type { Orientation, RawImage } from '../image';
import type { FormatInfo, ImageFormat } from './formats';

export type { ImageFormat } from './formats';

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
}

export interface EncodeSettings {
  /** 1..100; ignored by lossless encoders. */
  quality: number;
}

/**
 * One self-describing module per format (the Squoosh idea): metadata, sniff,
 * probe, decode, and encode when we can write the format.
 * All byte inputs are Uint8Array views; implementations must not assume byteOffset 0.
 */
export interface Codec extends FormatInfo {
  /** Whether the encoded output keeps an alpha channel. */
  keepsAlpha: boolean;
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
  /** Absent when we cannot write this format (GIF). */
  encode?(image: RawImage, settings: EncodeSettings): Promise<Uint8Array>;
}

/** A fresh ArrayBuffer holding exactly the view's bytes (jSquash wants ArrayBuffer, not a view). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
