/**
 * The one list of formats we read, and what is derived from it: the codecs'
 * metadata, the file picker's accept list, and the web app manifest's file
 * handlers and share target (what "Open with" and the share sheet offer).
 */
import { describe, expect, it } from 'vitest';
import { acceptedFileTypes, FILE_PICKER_ACCEPT, FORMATS, READABLE_FORMATS } from '../../src/core/codecs/formats';
import { CODECS } from '../../src/core/codecs/registry';
import { webAppManifest } from '../../src/pwa/manifest';

describe('the format list', () => {
  it('is what each registered codec describes itself as, in the same order', () => {
    expect(CODECS.map((c) => c.format)).toEqual(READABLE_FORMATS.map((f) => f.format));
    for (const codec of CODECS) {
      const { format, label, mimeType, extension, fileExtensions } = codec;
      expect({ format, label, mimeType, extension, fileExtensions }).toEqual(FORMATS[codec.format]);
    }
  });

  it('lets the file picker offer every extension of every format', () => {
    const accepted = FILE_PICKER_ACCEPT.split(',');
    expect(accepted[0]).toBe('image/*');
    for (const f of READABLE_FORMATS) for (const ext of f.fileExtensions) expect(accepted).toContain(ext);
    expect(accepted).toContain('.jfif');
  });

  it('gives the manifest file handlers and a share target for every format', () => {
    const manifest = webAppManifest();
    expect(manifest.file_handlers).toEqual([{ action: '/', accept: acceptedFileTypes() }]);
    expect(Object.keys(acceptedFileTypes())).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/bmp']);
    const files = manifest.share_target!.params.files!;
    const shared = (Array.isArray(files) ? files : [files])[0]!;
    expect(shared.accept).toEqual(expect.arrayContaining(['image/*', '.jpg', '.png', '.webp', '.gif', '.bmp']));
    expect(manifest.share_target).toMatchObject({ method: 'POST', enctype: 'multipart/form-data' });
  });
});
