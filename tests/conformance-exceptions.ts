/**
 * Corpus files whose outcome differs from MANIFEST.tsv's verdict, on purpose or for
 * a known limit, each with its reason. The conformance test fails if one of these
 * starts meeting the manifest (then delete its line) or changes outcome.
 *
 * outcome 'error': a `valid` file we answer with a typed error (code given);
 * outcome 'thumbnail': an `invalid` file we still make a thumbnail of.
 */
export interface KnownException {
  outcome: 'error' | 'thumbnail';
  code?: string;
  reason: string;
}

const UNUSED_FIELD = 'only a field a decoder does not need is wrong; Pillow and ImageMagick decode it too, and refusing a picture that decodes cleanly would help no one';

export const KNOWN_EXCEPTIONS: Record<string, KnownException> = {
  // BMP Suite b/ files that are "bad" only in fields that do not affect the pixels.
  'bmpsuite/b/baddens1.bmp': { outcome: 'thumbnail', reason: `odd pixels-per-metre density: ${UNUSED_FIELD}` },
  'bmpsuite/b/baddens2.bmp': { outcome: 'thumbnail', reason: `odd pixels-per-metre density: ${UNUSED_FIELD}` },
  'bmpsuite/b/badfilesize.bmp': { outcome: 'thumbnail', reason: `bfSize claims several GB: ${UNUSED_FIELD}` },
  'bmpsuite/b/badbitssize.bmp': { outcome: 'thumbnail', reason: `biSizeImage claims several GB (rows are sized from width and bit depth): ${UNUSED_FIELD}` },
  'bmpsuite/b/rgb16-880.bmp': {
    outcome: 'thumbnail',
    reason: 'bit fields with no blue bits: the suite says the spec is silent; we read blue as 0, which matches the suite\'s own reference PNG exactly (as ImageMagick does)',
  },
  // A valid JPEG our codecs cannot read.
  'jpeg-tricky/libjpeg-turbo_testimgari.jpg': {
    outcome: 'error',
    code: 'unsupported-feature',
    reason: 'arithmetic-coded JPEG: jSquash\'s mozjpeg build has no arithmetic decoder, and neither jpeg-js nor browsers read it; the person gets a plain "unsupported" message',
  },
};
