import { announce } from './announcer.svelte';

/**
 * Whether the app can work offline, whether the network is there, and whether a
 * new version is waiting. The service worker (src/pwa/sw.ts) is registered here.
 *
 * A new version never takes over by itself: the page offers it, and only once no
 * batch is running (UpdateBanner.svelte); the person reloads into it when they
 * choose. When the person takes it in another window of the app, this window is
 * not reloaded under their hands either: it keeps offering the reload.
 */
export type OfflineReadiness =
  /** No service worker: a browser without them, a private window that refuses them, or `vite dev`. */
  | 'unavailable'
  /** First visit: the app's files are being stored for offline use. */
  | 'preparing'
  | 'ready';

export const offline: {
  readiness: OfflineReadiness;
  online: boolean;
  /** Counts the new versions found; 0 while there is none. "Later" puts off one, not the next. */
  updatesFound: number;
} = $state({
  readiness: 'unavailable',
  online: globalThis.navigator?.onLine ?? true,
  updatesFound: 0,
});

/** A long-open installed app still hears of new versions. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

let update: ((reloadPage?: boolean) => Promise<void>) | undefined;
/** This page asked the new version to take over: reload once it has. */
let reloadRequested = false;
/** The new version took over already (from another window): a reload is all that is left. */
let takenOver = false;

export async function startOfflineSupport(): Promise<void> {
  addEventListener('online', () => {
    offline.online = true;
    announce('Back online.');
  });
  addEventListener('offline', () => {
    offline.online = false;
    announce(offline.readiness === 'ready' ? 'You are offline. Files and pasted images still work; URLs wait for the network.' : 'You are offline.');
  });
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;

  // A page already controlled was loaded from the stored files: it works offline.
  offline.readiness = navigator.serviceWorker.controller ? 'ready' : 'preparing';
  const { registerSW } = await import('virtual:pwa-register');
  update = registerSW({
    onOfflineReady: () => {
      offline.readiness = 'ready';
    },
    onNeedRefresh: () => {
      // Only a page an older worker serves is an old version. A page no worker controls
      // came from the network, so it is the newest already: that is the first visit,
      // reloaded while its install still runs (a few MB of codecs), where Firefox
      // reports the installing worker as waiting, and "A new version is ready" would be false.
      if (navigator.serviceWorker.controller) offline.updatesFound++;
    },
    // The new version now controls this page. Without this callback the library
    // reloads every open window at that moment, whatever it is doing.
    onNeedReload: () => {
      takenOver = true;
      if (reloadRequested) location.reload();
    },
    onRegisterError: () => {
      if (!navigator.serviceWorker.controller) offline.readiness = 'unavailable';
    },
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      // An active worker holds every file already; a page it does not control (after
      // a hard reload) is still ready: the next load comes from the stored files.
      if (registration.active) offline.readiness = 'ready';
      watchFirstInstall(registration);
      setInterval(() => {
        if (navigator.onLine && !registration.installing) void registration.update().catch(() => {});
      }, UPDATE_CHECK_MS);
    },
  });
}

/** A first install that fails (storage full, a file missing) leaves the page online-only: say so. */
function watchFirstInstall(registration: ServiceWorkerRegistration): void {
  const installing = registration.installing;
  if (!installing || navigator.serviceWorker.controller) return;
  installing.addEventListener('statechange', () => {
    if (installing.state === 'redundant' && !navigator.serviceWorker.controller) offline.readiness = 'unavailable';
  });
}

/** The person chose to reload into the new version: it takes over, and the page reloads once it has. */
export function reloadIntoUpdate(): void {
  reloadRequested = true;
  if (takenOver) location.reload();
  else void update?.(true);
}
