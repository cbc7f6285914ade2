/**
 * Is an embedded ICC colour profile plain sRGB?
 *
 * Our decoders hand over the numbers a file stores without converting them
 * through its profile (no colour-management engine runs in the worker). For an
 * sRGB profile that is exact; for Display P3 (what phones now shoot), Adobe RGB
 * or CMYK it is not, and the card must say so rather than shift colours silently.
 *
 * The test reads the profile's red, green and blue colorants (the matrix that
 * defines its gamut) and compares them with sRGB's; a profile without them
 * (a lookup-table profile) counts as sRGB only when its description says so.
 * Greyscale profiles count as harmless: grey stays grey.
 */

/** sRGB's colorants as every sRGB ICC profile stores them (XYZ, adapted to D50). */
const SRGB_COLORANTS: Record<string, readonly [number, number, number]> = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
};
/** Rounding differs between writers in the third decimal; P3's red is 0.08 away. */
const TOLERANCE = 0.01;
const HEADER_SIZE = 128;

interface Tag {
  offset: number;
  size: number;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function readTags(profile: Uint8Array, view: DataView): Map<string, Tag> {
  const tags = new Map<string, Tag>();
  if (profile.length < HEADER_SIZE + 4) return tags;
  const count = Math.min(view.getUint32(HEADER_SIZE), 200);
  for (let i = 0; i < count; i++) {
    const entry = HEADER_SIZE + 4 + i * 12;
    if (entry + 12 > profile.length) break;
    tags.set(ascii(profile, entry, 4), { offset: view.getUint32(entry + 4), size: view.getUint32(entry + 8) });
  }
  return tags;
}

/** An XYZType tag's first value, or undefined when it is not there whole. */
function readXyz(profile: Uint8Array, view: DataView, tag: Tag | undefined): [number, number, number] | undefined {
  if (!tag || tag.size < 20 || tag.offset + 20 > profile.length || ascii(profile, tag.offset, 4) !== 'XYZ ') return undefined;
  const s15 = (at: number) => view.getInt32(tag.offset + at) / 65536;
  return [s15(8), s15(12), s15(16)];
}

/** The description text ('desc' as textDescriptionType or multiLocalizedUnicodeType), '' when unreadable. */
function readDescription(profile: Uint8Array, view: DataView, tag: Tag | undefined): string {
  if (!tag || tag.offset + 12 > profile.length) return '';
  const type = ascii(profile, tag.offset, 4);
  if (type === 'desc') {
    const length = view.getUint32(tag.offset + 8);
    return ascii(profile, tag.offset + 12, Math.min(length, 256, profile.length - tag.offset - 12));
  }
  if (type === 'mluc' && tag.offset + 28 <= profile.length) {
    const length = view.getUint32(tag.offset + 20);
    const start = tag.offset + view.getUint32(tag.offset + 24);
    const text: string[] = [];
    for (let i = 0; i + 1 < Math.min(length, 512) && start + i + 1 < profile.length; i += 2) text.push(String.fromCharCode(view.getUint16(start + i)));
    return text.join('');
  }
  return '';
}

/** True for an sRGB (or greyscale) profile; false for any other gamut, CMYK, or a profile we cannot read. */
export function isSrgbProfile(profile: Uint8Array): boolean {
  if (profile.length < HEADER_SIZE) return false;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const space = ascii(profile, 16, 4);
  if (space === 'GRAY') return true;
  if (space !== 'RGB ') return false;
  const tags = readTags(profile, view);
  const colorants = Object.entries(SRGB_COLORANTS).map(([sig, expected]) => [readXyz(profile, view, tags.get(sig)), expected] as const);
  if (colorants.every(([found]) => found)) {
    return colorants.every(([found, expected]) => found!.every((v, i) => Math.abs(v - expected[i]!) <= TOLERANCE));
  }
  return /sRGB/i.test(readDescription(profile, view, tags.get('desc')));
}
