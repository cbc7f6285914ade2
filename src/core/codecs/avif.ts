/**
 * AVIF: the box structure (ISO BMFF / HEIF, isobmff.ts) read in TypeScript for
 * the size, colour and HEIF's own rotation and mirroring (`irot`, `imir`);
 * pixels decoded and encoded by libavif (via @jsquash/avif). Both halves of the
 * WASM are imported only when first needed: the encoder is about 3.5 MB, and a
 * page that never writes AVIF must never fetch it.
 *
 * libavif hands back the image as stored and leaves irot/imir to the caller, so
 * the probe reports them as an orientation and the pipeline turns the image, as
 * it does a JPEG's EXIF orientation. An EXIF block inside an AVIF is not read:
 * HEIF's transformative properties are the ones that count.
 */
import { codecCrashed, corrupt, ThumbnailError, truncated } from '../errors';
import { createRawImage, withOwnBuffer, type RawImage } from '../image';
import { defineCodec, toArrayBuffer, type EncodeSettings, type ImageInfo } from './codec';
import { ascii, brands, readHeifHeader } from './isobmff';
import { LazyLibrary } from './lazy';
import { providedWasm } from './wasm';

const FORMAT = 'AVIF';
const AVIF_BRANDS = new Set(['avif', 'avis']);

// ---------------------------------------------------------------------------
// Probe

function probe(bytes: Uint8Array): ImageInfo {
  const header = readHeifHeader(bytes, FORMAT);
  const info: ImageInfo = { format: 'avif', width: header.width, height: header.height, orientation: header.orientation };
  if (header.foreignColourProfile) info.foreignColourProfile = true;
  return header.cutShort ? { ...info, cutShort: true } : info;
}

// ---------------------------------------------------------------------------
// Decode and encode

type Init = (module?: WebAssembly.Module) => Promise<unknown>;
type Decode = (buffer: ArrayBuffer) => Promise<ImageData | null>;
type Encode = (image: ImageData, options: { quality: number; speed: number }) => Promise<ArrayBuffer>;

const decoder = new LazyLibrary('AVIF decoder', () =>
  import('@jsquash/avif/decode.js').then(async (m) => {
    await (m.init as unknown as Init)(providedWasm('avifDecode'));
    return m.default as Decode;
  }),
);
const encoder = new LazyLibrary('AVIF encoder', () =>
  import('@jsquash/avif/encode.js').then(async (m) => {
    await (m.init as unknown as Init)(providedWasm('avifEncode'));
    return m.default as unknown as Encode;
  }),
);

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const info = probe(bytes);
  const decodeAvif = await decoder.get();
  let image: ImageData | null;
  try {
    image = await decodeAvif(toArrayBuffer(bytes));
  } catch (e) {
    decoder.forget();
    if (e instanceof WebAssembly.RuntimeError) throw codecCrashed('AVIF decoder', e.message);
    throw corrupt(FORMAT, e instanceof Error ? e.message : String(e));
  }
  if (!image) throw info.cutShort ? truncated(FORMAT) : corrupt(FORMAT, 'its image data could not be decoded');
  if (image.width !== info.width || image.height !== info.height) {
    throw corrupt(FORMAT, `it decoded to ${image.width}×${image.height}, not the ${info.width}×${info.height} its header says`);
  }
  return createRawImage(image.width, image.height, new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength));
}

async function encode(image: RawImage, settings: EncodeSettings): Promise<Uint8Array> {
  const encodeAvif = await encoder.get();
  try {
    // jSquash types its input as the DOM ImageData; it reads only width, height and data.
    const output = await encodeAvif(withOwnBuffer(image) as unknown as ImageData, { quality: settings.quality, speed: settings.speed ?? 8 });
    return new Uint8Array(output);
  } catch (e) {
    encoder.forget();
    throw new ThumbnailError('codec-crashed', 'The AVIF encoder failed on this image.', e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------

export const avifCodec = defineCodec({
  format: 'avif',
  label: 'AVIF',
  mimeType: 'image/avif',
  extension: 'avif',
  fileExtensions: ['.avif'],
  sameAsInput: 'itself',
  // Not yet measured against ours; the browser's own AV1 decoder is native code
  // where ours is single-threaded WASM, and ours remains for browsers without one.
  decoders: ['bitmap', 'core'],
  takesQuality: true,
  // Measured on 256 px thumbnails (Node, 2 cores): speed 6 took 100-190 ms, 7 and 8 about 60 ms for the
  // same bytes (within 0.1 %), 9 and 10 about 15 ms but 4-9 % larger; 4 took a second. 8 is the knee.
  settings: [{ key: 'speed', label: 'AVIF speed', min: 0, max: 10, default: 8, hint: 'AVIF speed (0-10): 8 is quick at thumbnail sizes; 9-10 quicker but larger files, below 6 much slower for little gain.' }],
  wasm: { avifDecode: '@jsquash/avif/codec/dec/avif_dec.wasm', avifEncode: '@jsquash/avif/codec/enc/avif_enc.wasm' },
  keepsAlpha: true,
  sniff: (bytes) => brands(bytes).some((b) => AVIF_BRANDS.has(b)),
  // A file cut inside its 'ftyp' box, whose major brand is still readable.
  looksLike: (bytes) => bytes.length >= 12 && ascii(bytes, 4) === 'ftyp' && AVIF_BRANDS.has(ascii(bytes, 8)),
  probe,
  decode,
  encode,
});
