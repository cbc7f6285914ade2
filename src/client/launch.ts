import { takeSharedFiles } from '../pwa/share-inbox';
import { SHARE_FAILED, SHARE_PARAM } from '../pwa/share-target';

/**
 * Files that reach the page from outside it: "Open with Thumbnail Generator" on
 * the desktop (the manifest's file_handlers, delivered through window.launchQueue)
 * and the share sheet (the manifest's share_target, received by the service worker,
 * which sends the page to /?share=<id>).
 */

/** The File Handling API's shapes, which TypeScript's DOM library does not have yet. */
interface LaunchParams {
  readonly files?: readonly FileSystemFileHandle[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

/** Calls `take` with the files of every launch, the one that opened this window first. */
export function receiveLaunchedFiles(take: (files: File[]) => void, onError: (message: string) => void): void {
  const queue = (globalThis as { launchQueue?: LaunchQueue }).launchQueue;
  queue?.setConsumer(async (params) => {
    const handles = params.files ?? [];
    if (!handles.length) return;
    const files: File[] = [];
    let unreadable = 0;
    for (const handle of handles) {
      try {
        files.push(await handle.getFile());
      } catch {
        unreadable++; // moved or deleted since it was chosen
      }
    }
    if (files.length) take(files);
    if (unreadable) onError(`${unreadable === 1 ? 'One file' : `${unreadable} files`} could not be opened: moved or deleted since?`);
  });
}

const SHARE_PROBLEMS: Record<string, string> = {
  [SHARE_FAILED.empty]: 'Nothing to add: what was shared held no image files.',
  [SHARE_FAILED.unreadable]: 'The shared images could not be read. Share them again, or add them here.',
  [SHARE_FAILED.otherSite]: 'Images sent here by another website were not added. To add images, share them from your device, or pick or drop them here.',
  [SHARE_FAILED.noWorker]: 'Sharing to this app works once it has been opened here at least once. Add the images here instead.',
};

/**
 * The images shared to the app, when this page is the share's landing (/?share=…).
 * The address is put back to / at once, so a reload does not look for them again.
 */
export async function receiveSharedFiles(): Promise<{ files?: File[]; problem?: string }> {
  const address = new URL(location.href);
  const id = address.searchParams.get(SHARE_PARAM);
  if (id === null) return {};
  address.searchParams.delete(SHARE_PARAM);
  history.replaceState(history.state, '', address.pathname + address.search + address.hash);
  if (SHARE_PROBLEMS[id]) return { problem: SHARE_PROBLEMS[id] };
  try {
    const files = await takeSharedFiles(id);
    // Unknown: already taken (this page was restored from history), or over a day old.
    return files ? { files } : {};
  } catch {
    return { problem: SHARE_PROBLEMS[SHARE_FAILED.unreadable] };
  }
}
