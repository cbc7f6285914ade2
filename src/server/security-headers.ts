/**
 * The page's security headers, in one place: the production server (app.ts),
 * the Vite dev and preview servers (security-headers-plugin.ts) and the
 * `_headers` file a static host reads (emitted by the build) all send these.
 * Pure, so an edge worker could send them too.
 */

/**
 * A strict Content-Security-Policy. Each source is here because something needs it:
 * - script-src 'self': only our own files; the page has no inline script.
 *   'wasm-unsafe-eval' lets the codecs compile their WebAssembly, and nothing else.
 * - worker-src 'self': the codec workers and the service worker are our files
 *   (no blob: workers).
 * - connect-src 'self' blob: https: http:: the codecs' .wasm and the proxy are
 *   ours; "Paste URLs" fetches the image straight from its site first (http: too,
 *   as the person may ask for one; a browser still refuses http: from an https
 *   page); blob: reads back a blob this page made (only this origin can make
 *   one), as the tests do to check a download's bytes.
 * - img-src 'self' blob: data:: thumbnails and originals are shown from blob:
 *   URLs, pasted data: URLs as they are.
 * - style-src 'self': one stylesheet file. (Styles set from script through the
 *   CSSOM, as Svelte's style: directives do, are not inline styles.)
 * - frame-ancestors 'none': no other site may frame the page (clickjacking).
 * Everything else (objects, frames, fonts, media, base URLs) is refused.
 */
const POLICY: Record<string, string> = {
  'default-src': "'none'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self'",
  'connect-src': "'self' blob: https: http:",
  'img-src': "'self' blob: data:",
  'style-src': "'self'",
  'manifest-src': "'self'",
  'form-action': "'self'",
  'base-uri': "'none'",
  'object-src': "'none'",
  'frame-ancestors': "'none'",
};

/**
 * In `vite dev` only, Vite and Svelte inject each module's CSS as a <style>
 * element (hot reload), which 'self' does not cover. Scripts stay strict there.
 */
const DEV_RELAXATIONS: Record<string, string> = { 'style-src': "'self' 'unsafe-inline'" };

export type HeaderMode = 'production' | 'development';

export function contentSecurityPolicy(mode: HeaderMode = 'production'): string {
  const policy = mode === 'development' ? { ...POLICY, ...DEV_RELAXATIONS } : POLICY;
  return Object.entries(policy)
    .map(([directive, sources]) => `${directive} ${sources}`)
    .join('; ');
}

/**
 * Powerful features the app never uses, turned off for the page and anything it
 * could ever embed, so a flaw cannot reach them either. The clipboard stays
 * writable by the page ("Copy base64", "Copy srcset"...); pasting uses the paste
 * event, which needs no permission. Only names Chromium knows, so it logs no warnings.
 */
const PERMISSIONS_OFF = [
  'accelerometer',
  'autoplay',
  'camera',
  'clipboard-read',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
];

export const PERMISSIONS_POLICY = [...PERMISSIONS_OFF.map((name) => `${name}=()`), 'clipboard-write=(self)'].join(', ');

/** Every response's security headers. */
export function securityHeaders(mode: HeaderMode = 'production'): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(mode),
    'Permissions-Policy': PERMISSIONS_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // frame-ancestors says this to current browsers; X-Frame-Options to old ones.
    'X-Frame-Options': 'DENY',
    // No window we open (none today) keeps a handle on ours, nor ours on it.
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/**
 * Paths whose content changes without a change of name: the browser must
 * revalidate them on every load, or an update never reaches the user.
 */
export const ALWAYS_REVALIDATE = ['/', '/index.html', '/sw.js', '/manifest.webmanifest'];

/**
 * The `_headers` file of Netlify, Cloudflare Pages and Cloudflare Workers' static
 * assets: the same headers and caching as `npm start`, for the build on a static host.
 */
export function headersFile(): string {
  const block = (path: string, headers: Record<string, string>) =>
    [path, ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)].join('\n');
  return [
    '# Made by the build (src/server/security-headers.ts); edit that file, not this one.',
    block('/*', securityHeaders('production')),
    // Vite names every file under /assets/ by its content: safe to keep for a year.
    block('/assets/*', { 'Cache-Control': 'public, max-age=31536000, immutable' }),
    ...ALWAYS_REVALIDATE.map((path) => block(path, { 'Cache-Control': 'no-cache' })),
    '',
  ].join('\n');
}
