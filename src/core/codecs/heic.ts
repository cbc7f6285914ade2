/**
 * HEIC/HEIF, the format phones save photos in: the box structure read in
 * TypeScript for the probe (isobmff.ts), pixels decoded by libheif (libheif-js's
 * WebAssembly build, LGPL-3.0, loaded as a separate file only when a HEIC arrives:
 * ~2 MB that a page without one never fetches).
 *
 * Orientation: libheif applies HEIF's own transformations (irot, imir, clap) while
 * decoding, and never an EXIF Orientation tag inside the file. That is the HEIF
 * rule (the transformative properties win), and it matters: phones write both,
 * and applying both turns a portrait photo twice. So the probe reports the size as
 * displayed, with orientation 1, and the pipeline turns nothing.
 *
 * A HEIC often carries a small thumbnail item (an iPhone's is 320×240). When it is
 * at least as large as the thumbnail being made needs, it is decoded instead of a
 * 12-megapixel grid of 48 tiles: the same result, many times faster.
 */
import { corrupt, ThumbnailError, truncated } from '../errors';
import { createRawImage, type RawImage } from '../image';
import { defineCodec, type ImageInfo } from './codec';
import { ascii, brands, readHeifHeader } from './isobmff';
import { LazyLibrary } from './lazy';

const FORMAT = 'HEIC photo';

/** HEVC-coded HEIF brands; 'mif1'/'msf1' are generic HEIF (any codec), counted only when no AVIF brand claims the file. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const GENERIC_BRANDS = new Set(['mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function isHeif(found: readonly string[]): boolean {
  if (found.some((b) => AVIF_BRANDS.has(b))) return false;
  return found.some((b) => HEIC_BRANDS.has(b) || GENERIC_BRANDS.has(b));
}

function probe(bytes: Uint8Array): ImageInfo {
  const header = readHeifHeader(bytes, FORMAT);
  // libheif hands back the picture upright: report it as displayed (see the top of this file).
  const turned = header.orientation >= 5;
  const info: ImageInfo = {
    format: 'heic',
    width: turned ? header.height : header.width,
    height: turned ? header.width : header.height,
    orientation: 1,
  };
  if (header.foreignColourProfile) info.foreignColourProfile = true;
  return header.cutShort ? { ...info, cutShort: true } : info;
}

// ---------------------------------------------------------------------------
// libheif, through the few functions of libheif-js's Embind interface we use.

/** Embind's wrappers: a context or image handle is an object; an error is `{ code, message }`. */
type Opaque = object;
interface HeifError {
  code: unknown;
  message?: string;
}
interface DecodedPlanes {
  code?: unknown;
  message?: string;
  image: Opaque;
  channels: { id: unknown; width: number; height: number; stride: number; data: Uint8Array }[];
}
interface LibHeif {
  heif_context_alloc(): Opaque | null;
  heif_context_free(context: Opaque): void;
  heif_context_read_from_memory(context: Opaque, bytes: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: Opaque): Opaque | HeifError;
  heif_image_handle_get_width(handle: Opaque): number;
  heif_image_handle_get_height(handle: Opaque): number;
  heif_image_handle_release(handle: Opaque): void;
  heif_js_decode_image2(handle: Opaque, colorspace: unknown, chroma: unknown): DecodedPlanes | Promise<DecodedPlanes>;
  heif_image_release(image: Opaque): void;
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: { heif_chroma_interleaved_RGBA: unknown };
  heif_channel: { heif_channel_interleaved: unknown };
  heif_error_code: { heif_error_Ok: unknown };
}

const library = new LazyLibrary('HEIC decoder', () =>
  import('libheif-js/libheif-wasm/libheif-bundle.mjs').then(
    (m) =>
      new Promise<LibHeif>((resolve, reject) => {
        // The WebAssembly is inside this script (base64), so it needs no URL of its own
        // in any bundler or in Node; it is ready once the runtime says so.
        const factory = m.default as (options: object) => LibHeif;
        let lib: LibHeif | undefined;
        let ready = false;
        const options = {
          onRuntimeInitialized: () => {
            ready = true;
            if (lib) resolve(lib);
          },
          onAbort: (why: unknown) => reject(new Error(String(why))),
        };
        lib = factory(options);
        if (ready) resolve(lib);
      }),
  ),
);

function isError(value: Opaque | HeifError): value is HeifError {
  return 'code' in value;
}

/** The primary image, whole. */
function decode(bytes: Uint8Array): Promise<RawImage> {
  return decodePrimary(bytes, probe(bytes));
}

/**
 * The file's own thumbnail, when one is at least `least` and the same shape (see
 * Codec.decodeAtLeast); null when it has none so large. libheif decodes only the
 * primary image through this interface, so a copy of the file names the thumbnail
 * as its primary item: a two- or four-byte change in 'pitm', the rest untouched.
 */
async function decodeAtLeast(bytes: Uint8Array, least: { width: number; height: number }): Promise<RawImage | null> {
  const header = readHeifHeader(bytes, FORMAT);
  const info = probe(bytes);
  const upright = (t: { width: number; height: number; orientation: number }) => (t.orientation >= 5 ? { width: t.height, height: t.width } : t);
  const best = header.thumbnails
    .map((t) => ({ itemId: t.itemId, ...upright(t) }))
    .filter((t) => t.width >= least.width && t.height >= least.height && Math.abs(t.width * info.height - t.height * info.width) <= info.width + info.height)
    .sort((a, b) => a.width * a.height - b.width * b.height)[0];
  if (!best) return null;
  const copy = new Uint8Array(bytes);
  const { offset, size } = header.primaryIdField;
  const view = new DataView(copy.buffer);
  if (size === 2) view.setUint16(offset, best.itemId);
  else view.setUint32(offset, best.itemId);
  try {
    return await decodePrimary(copy, info);
  } catch {
    return null; // the full image may still decode: the caller goes on to it
  }
}

/** Decodes the file's primary image in libheif, freeing everything after; every failure typed. */
async function decodePrimary(bytes: Uint8Array, info: ImageInfo): Promise<RawImage> {
  const lib = await library.get();
  const context = lib.heif_context_alloc();
  if (!context) throw new ThumbnailError('codec-crashed', 'The HEIC decoder ran out of memory.');
  try {
    const read = lib.heif_context_read_from_memory(context, bytes);
    if (read.code !== lib.heif_error_code.heif_error_Ok) throw damaged(info, read.message);
    const primary = lib.heif_js_context_get_primary_image_handle(context);
    if (isError(primary)) throw damaged(info, primary.message);
    try {
      return await decodeHandle(lib, primary, info);
    } finally {
      lib.heif_image_handle_release(primary);
    }
  } catch (e) {
    if (e instanceof ThumbnailError) throw e;
    library.forget(); // an aborted instance is not safe to reuse
    if (e instanceof WebAssembly.RuntimeError) throw new ThumbnailError('codec-crashed', 'The HEIC decoder failed on this file, which is probably damaged.', e.message);
    throw damaged(info, e instanceof Error ? e.message : String(e));
  } finally {
    lib.heif_context_free(context);
  }
}

function damaged(info: ImageInfo, why: string | undefined): ThumbnailError {
  return info.cutShort ? truncated(FORMAT) : corrupt(FORMAT, why || 'libheif could not read it');
}

async function decodeHandle(lib: LibHeif, handle: Opaque, info: ImageInfo): Promise<RawImage> {
  const width = lib.heif_image_handle_get_width(handle);
  const height = lib.heif_image_handle_get_height(handle);
  const decoded = await lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, lib.heif_chroma.heif_chroma_interleaved_RGBA);
  if (!decoded || decoded.code || !decoded.channels) throw damaged(info, decoded?.message);
  try {
    const plane = decoded.channels.find((c) => c.id === lib.heif_channel.heif_channel_interleaved);
    if (!plane || plane.width !== width || plane.height !== height || plane.stride < width * 4) {
      throw corrupt(FORMAT, `its image data did not decode to the ${width}×${height} its header says`);
    }
    const image = createRawImage(width, height);
    // Rows may be padded (stride > width × 4): copy them one by one.
    for (let y = 0; y < height; y++) image.data.set(plane.data.subarray(y * plane.stride, y * plane.stride + width * 4), y * width * 4);
    return image;
  } finally {
    lib.heif_image_release(decoded.image);
  }
}

// ---------------------------------------------------------------------------

export const heicCodec = defineCodec({
  format: 'heic',
  label: 'HEIC',
  mimeType: 'image/heic',
  extension: 'heic',
  fileExtensions: ['.heic', '.heif', '.hif'],
  sameAsInput: 'jpeg',
  // No browser engine we test decodes HEIC (Safari on Apple systems does, through the system's codec).
  decoders: ['core'],
  takesQuality: false,
  keepsAlpha: false,
  fetchedOnFirstUse: ['libheif-js'],
  sniff: (bytes) => isHeif(brands(bytes)),
  // A file cut inside its 'ftyp' box, whose major brand is still readable.
  looksLike: (bytes) => bytes.length >= 12 && ascii(bytes, 4) === 'ftyp' && HEIC_BRANDS.has(ascii(bytes, 8)),
  probe,
  decode,
  decodeAtLeast,
});
