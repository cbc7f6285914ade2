import { optionsKey, type ThumbnailOptions } from './options';

/**
 * Cache keys: what must be equal for two jobs to share one thumbnail.
 *
 * key = SHA-256 of the input bytes + SHA-256 of the canonical options (which carry
 * the pipeline version). So the same picture pasted as base64, dropped as a file
 * or fetched from two different URLs shares one entry, while any change of option
 * or of the pipeline's output gives a new key. (The old API keyed URLs by their
 * last 50 characters and never noticed a changed image.)
 * Web Crypto is in browsers, workers and Node alike, so this stays in the pure core.
 */
export async function sha256Hex(data: ArrayBuffer | Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param route which decoders may have made the thumbnail (decodeRouteKey in
 *   core/decode-route.ts): the routes differ slightly (colour management, shrink
 *   filter), so they never answer for each other.
 */
export async function thumbnailCacheKey(contentHash: string, options: Partial<ThumbnailOptions>, route = 'core'): Promise<string> {
  return `${contentHash}.${(await sha256Hex(`${optionsKey(options)}|${route}`)).slice(0, 32)}`;
}
