/**
 * Whether the app can work offline, whether the network is there, and whether a
 * new version is waiting. The service worker (src/pwa/sw.ts) is registered here.
 *
 * A new version never takes over by itself: the page offers it, and only once no
 * batch is running (see App.svelte); the person reloads into it when they choose.
 */
export type OfflineReadiness =
  /** No service worker: a browser without them, a private window that refuses them, or `vite dev`. */
  | 'unavailable'
  /** First visit: the app's files are being stored for offline use. */
  | 'preparing'
  | 'ready';

export const offline: { readiness: OfflineReadiness; online: boolean; updateReady: boolean } = $state({
  readiness: 'unavailable',
  online: globalThis.navigator?.onLine ?? true,
  updateReady: false,
});

/** A long-open installed app still hears of new versions. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

let update: ((reloadPage?: boolean) => Promise<void>) | undefined;

export async function startOfflineSupport(): Promise<void> {
  addEventListener('online', () => {
    offline.online = true;
  });
  addEventListener('offline', () => {
    offline.online = false;
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
      offline.updateReady = true;
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
  void update?.(true);
}
