/**
 * The one list of formats we read, and what is derived from it: the codecs'
 * metadata, the file picker's accept list, and the web app manifest's file
 * handlers and share target (what "Open with" and the share sheet offer).
 */
import { describe, expect, it } from 'vitest';
import { acceptedFileTypes, CODECS, FILE_PICKER_ACCEPT } from '../../src/core/codecs/registry';
import { webAppManifest } from '../../src/pwa/manifest';

describe('the format list', () => {
  it('lets the file picker offer every extension of every format', () => {
    const accepted = FILE_PICKER_ACCEPT.split(',');
    expect(accepted[0]).toBe('image/*');
    for (const f of CODECS) for (const ext of f.fileExtensions) expect(accepted).toContain(ext);
    expect(accepted).toContain('.jfif');
  });

  it('gives the manifest file handlers and a share target for every format', () => {
    const manifest = webAppManifest();
    expect(manifest.file_handlers).toEqual([{ action: '/', accept: acceptedFileTypes() }]);
    expect(Object.keys(acceptedFileTypes())).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/heic', 'image/jxl', 'image/tiff', 'image/gif', 'image/bmp']);
    const files = manifest.share_target!.params.files!;
    const shared = (Array.isArray(files) ? files : [files])[0]!;
    expect(shared.accept).toEqual(expect.arrayContaining(['image/*', '.jpg', '.png', '.webp', '.avif', '.heic', '.jxl', '.tif', '.gif', '.bmp']));
    expect(manifest.share_target).toMatchObject({ method: 'POST', enctype: 'multipart/form-data' });
  });
});
