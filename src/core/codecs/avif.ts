/**
 * AVIF: the box structure (ISO BMFF / HEIF) read in TypeScript for the size and
 * colour; pixels decoded and encoded by libavif (via @jsquash/avif). Both halves
 * of the WASM are imported only when first needed: the encoder is about 3.5 MB,
 * and a page that never writes AVIF must never fetch it.
 *
 * Not yet: HEIF's own rotation and mirroring (`irot`, `imir`). libavif leaves them
 * to the caller, and the browsers apply them, so until the pipeline applies them
 * on our path too a rotated AVIF comes out as stored on ours.
 */
import { codecCrashed, codecLoaded, corrupt, ThumbnailError, truncated } from '../errors';
import { isSrgbProfile } from '../icc';
import { createRawImage, withOwnBuffer, type RawImage } from '../image';
import { defineCodec, toArrayBuffer, type EncodeSettings, type ImageInfo } from './codec';
import { providedWasm } from './wasm';

const FORMAT = 'AVIF';
const AVIF_BRANDS = new Set(['avif', 'avis']);

// ---------------------------------------------------------------------------
// Boxes

interface Box {
  type: string;
  /** Offset of the box's payload (after its header) and its end (exclusive). */
  start: number;
  end: number;
  /** The box claims more bytes than the file has. */
  cut: boolean;
}

function ascii(bytes: Uint8Array, at: number, length = 4): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The boxes between `from` and `to`; one that runs past the end comes last, cut. */
function readBoxes(bytes: Uint8Array, from: number, to: number): Box[] {
  const view = dataView(bytes);
  const boxes: Box[] = [];
  let pos = from;
  while (pos + 8 <= to) {
    let size = view.getUint32(pos);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > to) break;
      size = Number(view.getBigUint64(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = to - pos; // "to the end of the file"
    }
    if (size < header) throw corrupt(FORMAT, `its '${ascii(bytes, pos + 4).replace(/[^ -~]/g, '?')}' box has an impossible size`);
    const end = pos + size;
    boxes.push({ type: ascii(bytes, pos + 4), start: pos + header, end: Math.min(end, to), cut: end > to });
    if (end > to) break;
    pos = end;
  }
  return boxes;
}

function child(bytes: Uint8Array, parent: Box, type: string, fullBox = false): Box | undefined {
  return readBoxes(bytes, parent.start + (fullBox ? 4 : 0), parent.end).find((b) => b.type === type);
}

/** Major and compatible brands of the leading 'ftyp' box; empty when there is none. */
function brands(bytes: Uint8Array): string[] {
  if (bytes.length < 16 || ascii(bytes, 4) !== 'ftyp') return [];
  const size = Math.min(dataView(bytes).getUint32(0), bytes.length);
  const found = [ascii(bytes, 8)];
  for (let at = 16; at + 4 <= size; at += 4) found.push(ascii(bytes, at));
  return found;
}

// ---------------------------------------------------------------------------
// Probe

interface Property {
  type: string;
  box: Box;
}

/** The properties (ipco, 1-based) associated with the primary item (pitm) through ipma. */
function primaryItemProperties(bytes: Uint8Array, meta: Box): Property[] {
  const view = dataView(bytes);
  const pitm = child(bytes, meta, 'pitm', true);
  const iprp = child(bytes, meta, 'iprp', true);
  if (!pitm || !iprp) throw corrupt(FORMAT, 'it has no primary image description');
  const primary = bytes[pitm.start] === 0 ? view.getUint16(pitm.start + 4) : view.getUint32(pitm.start + 4);
  const inner = readBoxes(bytes, iprp.start, iprp.end);
  const ipco = inner.find((b) => b.type === 'ipco');
  const ipma = inner.find((b) => b.type === 'ipma');
  if (!ipco || !ipma) throw corrupt(FORMAT, 'it has no image properties');
  const properties = readBoxes(bytes, ipco.start, ipco.end);

  const version = bytes[ipma.start] ?? 0;
  const wideIndex = ((bytes[ipma.start + 3] ?? 0) & 1) === 1;
  let at = ipma.start + 4;
  const entries = view.getUint32(at);
  at += 4;
  for (let e = 0; e < entries && at < ipma.end; e++) {
    const item = version < 1 ? view.getUint16(at) : view.getUint32(at);
    at += version < 1 ? 2 : 4;
    const count = bytes[at++] ?? 0;
    const indices: number[] = [];
    for (let i = 0; i < count; i++) {
      indices.push(wideIndex ? view.getUint16(at) & 0x7fff : (bytes[at] ?? 0) & 0x7f);
      at += wideIndex ? 2 : 1;
    }
    if (item === primary) return indices.flatMap((i) => (properties[i - 1] ? [{ type: properties[i - 1]!.type, box: properties[i - 1]! }] : []));
  }
  return [];
}

/** A colour box naming a gamut other than sRGB/BT.709 (nclx primaries), or a non-sRGB ICC profile. */
function foreignColour(bytes: Uint8Array, properties: readonly Property[]): boolean {
  const colr = properties.find((p) => p.type === 'colr')?.box;
  if (!colr || colr.end - colr.start < 6) return false;
  const kind = ascii(bytes, colr.start);
  if (kind === 'nclx') {
    const primaries = dataView(bytes).getUint16(colr.start + 4);
    return primaries !== 1 && primaries !== 2; // 1: BT.709 (sRGB's), 2: unspecified
  }
  if (kind === 'prof' || kind === 'rICC') return !isSrgbProfile(bytes.subarray(colr.start + 4, colr.end));
  return false;
}

function probe(bytes: Uint8Array): ImageInfo {
  try {
    return readInfo(bytes);
  } catch (e) {
    // A box shorter than its fields makes a DataView read run past it.
    if (e instanceof RangeError) throw corrupt(FORMAT, 'its header boxes are cut or malformed');
    throw e;
  }
}

function readInfo(bytes: Uint8Array): ImageInfo {
  const top = readBoxes(bytes, 0, bytes.length);
  const meta = top.find((b) => b.type === 'meta');
  if (!meta) throw top.some((b) => b.cut) ? truncated(FORMAT) : corrupt(FORMAT, 'it has no image description (meta box)');
  if (meta.cut) throw truncated(FORMAT);
  const properties = primaryItemProperties(bytes, meta);
  const ispe = properties.find((p) => p.type === 'ispe')?.box;
  if (!ispe || ispe.end - ispe.start < 12) throw corrupt(FORMAT, 'it does not say its image size (no ispe property)');
  const view = dataView(bytes);
  const width = view.getUint32(ispe.start + 4);
  const height = view.getUint32(ispe.start + 8);
  if (width === 0 || height === 0) throw corrupt(FORMAT, `the image ${width === 0 ? 'width' : 'height'} is 0`);
  const info: ImageInfo = { format: 'avif', width, height, orientation: 1 };
  if (foreignColour(bytes, properties)) info.foreignColourProfile = true;
  // The image data (mdat) normally comes last: a file cut in it still has its whole header.
  return top.some((b) => b.cut) ? { ...info, cutShort: true } : info;
}

// ---------------------------------------------------------------------------
// Decode and encode

type Init = (module?: WebAssembly.Module) => Promise<unknown>;
type Decode = (buffer: ArrayBuffer) => Promise<ImageData | null>;
type Encode = (image: ImageData, options: { quality: number; speed: number }) => Promise<ArrayBuffer>;

let decoder: Promise<Decode> | undefined;
let encoder: Promise<Encode> | undefined;

function loadDecoder(): Promise<Decode> {
  decoder ??= import('@jsquash/avif/decode.js').then(async (m) => {
    await (m.init as unknown as Init)(providedWasm('avifDecode'));
    return m.default as Decode;
  });
  return decoder;
}

function loadEncoder(): Promise<Encode> {
  encoder ??= import('@jsquash/avif/encode.js').then(async (m) => {
    await (m.init as unknown as Init)(providedWasm('avifEncode'));
    return m.default as unknown as Encode;
  });
  return encoder;
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const info = probe(bytes);
  const ready = loadDecoder();
  await codecLoaded('AVIF decoder', ready).catch((e: unknown) => {
    decoder = undefined;
    throw e;
  });
  let image: ImageData | null;
  try {
    image = await (await ready)(toArrayBuffer(bytes));
  } catch (e) {
    decoder = undefined; // an aborted instance is not safe to reuse
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
  const ready = loadEncoder();
  await codecLoaded('AVIF encoder', ready).catch((e: unknown) => {
    encoder = undefined;
    throw e;
  });
  try {
    // jSquash types its input as the DOM ImageData; it reads only width, height and data.
    const output = await (await ready)(withOwnBuffer(image) as unknown as ImageData, { quality: settings.quality, speed: settings.speed ?? 8 });
    return new Uint8Array(output);
  } catch (e) {
    encoder = undefined;
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
  webReady: true,
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
