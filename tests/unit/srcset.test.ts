import { describe, expect, it } from 'vitest';
import { srcsetTag } from '../../src/core/srcset';

describe('srcsetTag', () => {
  it('lists every size by its download name, smallest first, the largest as src and size', () => {
    const tag = srcsetTag(
      [
        { fileName: 'cat-256x171.webp', width: 256, height: 171 },
        { fileName: 'cat-64x43.webp', width: 64, height: 43 },
        { fileName: 'cat-128x85.webp', width: 128, height: 85 },
      ],
      'cat',
    );
    expect(tag).toBe(
      '<img src="cat-256x171.webp" srcset="cat-64x43.webp 64w, cat-128x85.webp 128w, cat-256x171.webp 256w" sizes="(max-width: 256px) 100vw, 256px" width="256" height="171" alt="cat" loading="lazy" decoding="async">',
    );
  });

  it('keeps names with spaces, commas and quotes usable: encoded in URLs, escaped in attributes', () => {
    const tag = srcsetTag([{ fileName: 'my "best", photo-64x64.png', width: 64, height: 64 }, { fileName: 'my "best", photo-32x32.png', width: 32, height: 32 }], 'A <b> & "c"');
    expect(tag).toContain('srcset="my%20%22best%22%2C%20photo-32x32.png 32w, my%20%22best%22%2C%20photo-64x64.png 64w"');
    expect(tag).toContain('alt="A &lt;b&gt; &amp; &quot;c&quot;"');
  });

  it('lists a width once when a small image gave the same size for several boxes', () => {
    const same = { fileName: 'icon-32x32.png', width: 32, height: 32 };
    expect(srcsetTag([same, { ...same, fileName: 'icon-32x32-2.png' }], 'icon')).toContain('srcset="icon-32x32.png 32w"');
  });
});
