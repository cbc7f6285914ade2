import type { ManifestOptions } from 'vite-plugin-pwa';
import { acceptedFileTypes } from '../core/codecs/registry';
import { SHARE_TARGET_FIELD, SHARE_TARGET_PATH } from './share-target';

/**
 * The web app manifest (vite-plugin-pwa writes it as manifest.webmanifest). The
 * icons are not listed here: the PWA assets generator makes them from
 * public/icon.svg at build time and adds them (see vite.config.ts).
 *
 * The formats the app opens and accepts from other apps come from the codecs'
 * own list, so a new codec appears in "Open with" and the share sheet by itself.
 */
export function webAppManifest(): Partial<ManifestOptions> {
  const types = acceptedFileTypes();
  return {
    id: '/',
    name: 'Thumbnail Generator',
    short_name: 'Thumbnails',
    description: 'Make thumbnails of your images on your own device. Nothing is uploaded, and it works offline.',
    lang: 'en',
    dir: 'ltr',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    theme_color: '#1f4e79',
    background_color: '#f3f5f8',
    categories: ['photo', 'productivity', 'utilities'],
    // "Open with Thumbnail Generator": the page reads them from window.launchQueue.
    file_handlers: [{ action: '/', accept: types }],
    // The share sheet (Android, ChromeOS, Windows): the service worker takes the
    // POST, keeps the files on the device, and sends the page to pick them up.
    share_target: {
      action: SHARE_TARGET_PATH,
      method: 'POST',
      enctype: 'multipart/form-data',
      params: { files: [{ name: SHARE_TARGET_FIELD, accept: ['image/*', ...Object.values(types).flat()] }] },
    },
  };
}
