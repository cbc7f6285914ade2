/// <reference lib="webworker" />
/**
 * The service worker: makes the app work offline and receives images shared
 * from other apps. Built by vite-plugin-pwa (injectManifest), which puts the list
 * of every built file (scripts, workers, WASM codecs, styles, icons) in
 * self.__WB_MANIFEST.
 *
 * It answers only for the app's own files and pages. Anything else, above all
 * /api/proxy and images fetched from other sites, goes to the network untouched:
 * never cached, never answered from here.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { ExpirationPlugin } from 'workbox-expiration';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { keepSharedFiles } from './share-inbox';
import { SHARE_FAILED, SHARE_PARAM, SHARE_TARGET_FIELD, SHARE_TARGET_PATH } from './share-target';

declare let self: ServiceWorkerGlobalScope;

// A new version waits until the page says the person chose to reload (the
// "A new version is ready" prompt), so a running batch is never cut short.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every page address opens the app shell, offline too; the server's own routes stay the server's.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/healthz$/] }));

// The decoders of formats few pages meet (HEIC, JPEG XL, TIFF: Codec.fetchedOnFirstUse)
// are not precached; each is kept the first time it is fetched, so the format then
// works offline too. Built files are content-hashed, so a kept one never goes stale;
// the limit clears out those of older versions.
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith('/assets/'),
  new CacheFirst({ cacheName: 'fetched-on-first-use', plugins: [new ExpirationPlugin({ maxEntries: 32 })] }),
);

registerRoute(({ url }) => url.origin === self.location.origin && url.pathname === SHARE_TARGET_PATH, receiveShare, 'POST');

/** The share sheet's POST: keep the files on the device, then send the page to pick them up. */
async function receiveShare({ request }: { request: Request }): Promise<Response> {
  if (fromAnotherSite(request)) return Response.redirect(`/?${SHARE_PARAM}=${SHARE_FAILED.otherSite}`, 303);
  let outcome: string;
  try {
    const form = await request.formData();
    const files = form.getAll(SHARE_TARGET_FIELD).filter((v): v is File => v instanceof File && v.size > 0);
    outcome = files.length ? await keepSharedFiles(files) : SHARE_FAILED.empty;
  } catch {
    outcome = SHARE_FAILED.unreadable;
  }
  // 303: the browser follows with a GET, so a reload does not post the files again.
  return Response.redirect(`/?${SHARE_PARAM}=${encodeURIComponent(outcome)}`, 303);
}

/**
 * A form on another website can post to the share target too. The share sheet's
 * own request has no Origin (or "null"); a page's form post names its origin.
 * A page can hide it (referrerpolicy="no-referrer" sends "null"), so this stops
 * the ordinary cross-site post, not a determined one; what such a post can do is
 * add images to the list, decoded in the sandboxed workers, which the person sees.
 */
function fromAnotherSite(request: Request): boolean {
  const origin = request.headers.get('origin');
  return origin !== null && origin !== 'null' && origin !== self.location.origin;
}

// The first install takes the page that installed it at once, so the first visit
// already works offline; later versions wait for SKIP_WAITING (above).
clientsClaim();
