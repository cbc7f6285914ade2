/**
 * "Copy srcset": an <img> tag for a size set, naming the files exactly as the
 * ZIP (and each card's downloads) names them, so a person unzips next to their
 * page and pastes. The largest size is the fallback `src`; `sizes` says the
 * image is shown at most as wide as that largest size and never wider than
 * the screen, which is right for a thumbnail and simple to edit.
 */
export interface SrcsetEntry {
  fileName: string;
  width: number;
  height: number;
}

export function srcsetTag(entries: readonly SrcsetEntry[], alt: string): string {
  if (entries.length === 0) throw new Error('srcsetTag needs at least one thumbnail');
  // A small image gives the same size for several boxes (it is never enlarged): list each width once.
  const sorted = [...entries].sort((a, b) => a.width - b.width).filter((e, i, all) => i === 0 || all[i - 1]!.width !== e.width);
  const largest = sorted.at(-1)!;
  const srcset = sorted.map((e) => `${fileUrl(e.fileName)} ${e.width}w`).join(', ');
  const attrs = [
    `src="${escapeAttribute(fileUrl(largest.fileName))}"`,
    `srcset="${escapeAttribute(srcset)}"`,
    `sizes="(max-width: ${largest.width}px) 100vw, ${largest.width}px"`,
    `width="${largest.width}"`,
    `height="${largest.height}"`,
    `alt="${escapeAttribute(alt)}"`,
    'loading="lazy"',
    'decoding="async"',
  ];
  return `<img ${attrs.join(' ')}>`;
}

/** A file name as a relative URL: spaces would split a srcset entry, and a comma could end one. */
function fileUrl(fileName: string): string {
  return encodeURI(fileName).replace(/,/g, '%2C');
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
