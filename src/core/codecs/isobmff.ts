/**
 * The box structure HEIF and AVIF share (ISO BMFF, ISO/IEC 14496-12, with the
 * image items of ISO/IEC 23008-12), read just far enough for a probe: the primary
 * image's size (ispe), its rotation and mirroring (irot, imir) and its colour
 * (colr). Pixels are the codecs' business (heic.ts, avif.ts).
 */
import { corrupt, truncated } from '../errors';
import { isSrgbProfile } from '../icc';
import type { Orientation } from '../image';

export interface Box {
  type: string;
  /** Offset of the box's payload (after its header) and its end (exclusive). */
  start: number;
  end: number;
  /** The box claims more bytes than the file has. */
  cut: boolean;
}

export function ascii(bytes: Uint8Array, at: number, length = 4): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The boxes between `from` and `to`; one that runs past the end comes last, cut. `label` names the format in errors. */
export function readBoxes(bytes: Uint8Array, from: number, to: number, label: string): Box[] {
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
    if (size < header) throw corrupt(label, `its '${ascii(bytes, pos + 4).replace(/[^ -~]/g, '?')}' box has an impossible size`);
    const end = pos + size;
    boxes.push({ type: ascii(bytes, pos + 4), start: pos + header, end: Math.min(end, to), cut: end > to });
    if (end > to) break;
    pos = end;
  }
  return boxes;
}

function child(bytes: Uint8Array, parent: Box, type: string, label: string, fullBox = false): Box | undefined {
  return readBoxes(bytes, parent.start + (fullBox ? 4 : 0), parent.end, label).find((b) => b.type === type);
}

/** Major and compatible brands of the leading 'ftyp' box; empty when there is none. */
export function brands(bytes: Uint8Array): string[] {
  if (bytes.length < 16 || ascii(bytes, 4) !== 'ftyp') return [];
  const size = Math.min(dataView(bytes).getUint32(0), bytes.length);
  const found = [ascii(bytes, 8)];
  for (let at = 16; at + 4 <= size; at += 4) found.push(ascii(bytes, at));
  return found;
}

/** What a probe needs of the primary image, as stored: rotation and mirroring are not applied to the size. */
export interface HeifHeader {
  width: number;
  height: number;
  /** HEIF's own rotation and mirroring (irot, imir) as the EXIF orientation that does the same. */
  orientation: Orientation;
  /** A colour box naming a gamut other than sRGB's (see foreignColour). */
  foreignColourProfile: boolean;
  /** The header is whole but a box after it (the image data) is cut. */
  cutShort: boolean;
  /** The primary image's thumbnail items ('thmb' references), each with its stored size and orientation. */
  thumbnails: { itemId: number; width: number; height: number; orientation: Orientation }[];
  /** Where the primary item's id is written (in 'pitm') and in how many bytes: pointing it at a thumbnail makes that the image. */
  primaryIdField: { offset: number; size: 2 | 4 };
}

/** Reads the primary image's header; typed errors for anything damaged, never a RangeError. */
export function readHeifHeader(bytes: Uint8Array, label: string): HeifHeader {
  try {
    return readHeader(bytes, label);
  } catch (e) {
    // A box shorter than its fields makes a DataView read run past it.
    if (e instanceof RangeError) throw corrupt(label, 'its header boxes are cut or malformed');
    throw e;
  }
}

function readHeader(bytes: Uint8Array, label: string): HeifHeader {
  const top = readBoxes(bytes, 0, bytes.length, label);
  const meta = top.find((b) => b.type === 'meta');
  // No meta box, and the file ends inside a box or a box header: it was cut before the meta box.
  const endsInBox = top.some((b) => b.cut) || (top.at(-1)?.end ?? 0) < bytes.length;
  if (!meta) throw endsInBox ? truncated(label) : corrupt(label, 'it has no image description (meta box)');
  if (meta.cut) throw truncated(label);
  const view = dataView(bytes);
  const pitm = child(bytes, meta, 'pitm', label, true);
  if (!pitm) throw corrupt(label, 'it has no primary image description');
  const primaryIdField = { offset: pitm.start + 4, size: bytes[pitm.start] === 0 ? 2 : 4 } as const;
  const primary = primaryIdField.size === 2 ? view.getUint16(primaryIdField.offset) : view.getUint32(primaryIdField.offset);
  const associations = propertyAssociations(bytes, meta, label);
  const properties = associations.get(primary) ?? [];
  const size = sizeOf(bytes, properties);
  if (!size) throw corrupt(label, 'it does not say its image size (no ispe property)');
  if (size.width === 0 || size.height === 0) throw corrupt(label, `the image ${size.width === 0 ? 'width' : 'height'} is 0`);
  const thumbnails = thumbnailItems(bytes, meta, primary, label).flatMap((itemId) => {
    const own = associations.get(itemId) ?? [];
    const thumbnailSize = sizeOf(bytes, own);
    return thumbnailSize && thumbnailSize.width > 0 && thumbnailSize.height > 0 ? [{ itemId, ...thumbnailSize, orientation: orientationOf(bytes, own) }] : [];
  });
  return {
    ...size,
    orientation: orientationOf(bytes, properties),
    foreignColourProfile: foreignColour(bytes, properties),
    // The image data (mdat) normally comes after the header: a file cut in it still has its whole header.
    cutShort: top.some((b) => b.cut),
    thumbnails,
    primaryIdField,
  };
}

/** The stored size an item's 'ispe' property gives, if it has one. */
function sizeOf(bytes: Uint8Array, properties: readonly Box[]): { width: number; height: number } | undefined {
  const ispe = properties.find((p) => p.type === 'ispe');
  if (!ispe || ispe.end - ispe.start < 12) return undefined;
  const view = dataView(bytes);
  return { width: view.getUint32(ispe.start + 4), height: view.getUint32(ispe.start + 8) };
}

/** Item id -> its properties (ipco boxes, through ipma), in association order. */
function propertyAssociations(bytes: Uint8Array, meta: Box, label: string): Map<number, Box[]> {
  const view = dataView(bytes);
  const iprp = child(bytes, meta, 'iprp', label, true);
  if (!iprp) throw corrupt(label, 'it has no primary image description');
  const inner = readBoxes(bytes, iprp.start, iprp.end, label);
  const ipco = inner.find((b) => b.type === 'ipco');
  const ipma = inner.find((b) => b.type === 'ipma');
  if (!ipco || !ipma) throw corrupt(label, 'it has no image properties');
  const properties = readBoxes(bytes, ipco.start, ipco.end, label);

  const version = bytes[ipma.start] ?? 0;
  const wideIndex = ((bytes[ipma.start + 3] ?? 0) & 1) === 1;
  const byItem = new Map<number, Box[]>();
  let at = ipma.start + 4;
  const entries = view.getUint32(at);
  at += 4;
  for (let e = 0; e < entries && at < ipma.end; e++) {
    const item = version < 1 ? view.getUint16(at) : view.getUint32(at);
    at += version < 1 ? 2 : 4;
    const count = bytes[at++] ?? 0;
    const found: Box[] = [];
    for (let i = 0; i < count; i++) {
      const index = wideIndex ? view.getUint16(at) & 0x7fff : (bytes[at] ?? 0) & 0x7f;
      at += wideIndex ? 2 : 1;
      if (properties[index - 1]) found.push(properties[index - 1]!);
    }
    byItem.set(item, found);
  }
  return byItem;
}

/** Ids of the items that are thumbnails of `primary` (iref 'thmb' from the thumbnail to the image). */
function thumbnailItems(bytes: Uint8Array, meta: Box, primary: number, label: string): number[] {
  const iref = child(bytes, meta, 'iref', label, true);
  if (!iref) return [];
  const view = dataView(bytes);
  const wide = bytes[iref.start] !== 0; // version 1: 32-bit item ids
  const read = (at: number) => (wide ? view.getUint32(at) : view.getUint16(at));
  const step = wide ? 4 : 2;
  const found: number[] = [];
  for (const reference of readBoxes(bytes, iref.start + 4, iref.end, label)) {
    if (reference.type !== 'thmb') continue;
    const from = read(reference.start);
    const count = view.getUint16(reference.start + step);
    for (let i = 0; i < count; i++) if (read(reference.start + step + 2 + i * step) === primary) found.push(from);
  }
  return found;
}

/**
 * irot (angle x 90 degrees anticlockwise) then imir (axis 0: top and bottom
 * exchanged; 1: left and right), the order MIAF prescribes, as the EXIF
 * orientation that shows the image the same way. This is Chromium's table
 * (AVIFImageDecoder's kModeAngleToOrientation), so our decoder turns an image
 * exactly as the browser's <img> does: rows by mirroring (none, axis 0, axis 1),
 * columns by angle.
 */
const ORIENTATION_BY_MIRROR_AND_ANGLE: readonly (readonly Orientation[])[] = [
  [1, 8, 3, 6],
  [4, 5, 2, 7],
  [2, 7, 4, 5],
];

function orientationOf(bytes: Uint8Array, properties: readonly Box[]): Orientation {
  const irot = properties.find((p) => p.type === 'irot' && p.end > p.start);
  const imir = properties.find((p) => p.type === 'imir' && p.end > p.start);
  const angle = irot ? bytes[irot.start]! & 3 : 0;
  const mirror = imir ? (bytes[imir.start]! & 1) + 1 : 0;
  return ORIENTATION_BY_MIRROR_AND_ANGLE[mirror]![angle]!;
}

/** A colour box naming a gamut other than sRGB/BT.709 (nclx primaries), or a non-sRGB ICC profile. */
function foreignColour(bytes: Uint8Array, properties: readonly Box[]): boolean {
  const colr = properties.find((p) => p.type === 'colr');
  if (!colr || colr.end - colr.start < 6) return false;
  const kind = ascii(bytes, colr.start);
  if (kind === 'nclx') {
    const primaries = dataView(bytes).getUint16(colr.start + 4);
    return primaries !== 1 && primaries !== 2; // 1: BT.709 (sRGB's), 2: unspecified
  }
  if (kind === 'prof' || kind === 'rICC') return !isSrgbProfile(bytes.subarray(colr.start + 4, colr.end));
  return false;
}
