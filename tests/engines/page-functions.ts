/**
 * Functions run inside the page by every driver. Each is self-contained (its
 * source is sent to the browser), and uses only what all three engines have.
 */

/**
 * Marks the one control a person would reach by this name: a <label>'s text, an
 * aria-label, or a button's text. Returns the mark's selector for the driver's
 * native click or typing, or throws naming what was missing.
 */
export function markControl(name: string, kind: 'field' | 'button'): string {
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  let target: Element | null | undefined;
  if (kind === 'field') {
    // A label's own words: its text without the control's (a wrapped <select> lists its options).
    const labelText = (l: HTMLLabelElement) => norm([...l.childNodes].filter((n) => n !== l.control && !(n instanceof Element && l.control && n.contains(l.control))).map((n) => n.textContent).join(' '));
    const label = [...document.querySelectorAll('label')].find((l) => labelText(l) === name);
    target = label?.control ?? document.querySelector(`input[aria-label="${name}"], select[aria-label="${name}"], textarea[aria-label="${name}"]`);
  } else {
    target = [...document.querySelectorAll('button, a, [role=button]')].find(
      (b) => (norm(b.getAttribute('aria-label')) === name || norm(b.textContent) === name) && !(b as HTMLButtonElement).disabled,
    );
  }
  if (!target) throw new Error(`no enabled ${kind} named "${name}" on the page`);
  const mark = String(Math.random()).slice(2);
  target.setAttribute('data-driver-target', mark);
  return `[data-driver-target="${mark}"]`;
}

/** Pastes `text` into the marked field: its value replaced and one input event, as a paste gives. */
export function pasteInto(selector: string, text: string): void {
  const field = document.querySelector(selector) as HTMLInputElement | HTMLTextAreaElement;
  field.focus();
  field.value = text;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste', data: text }));
}

/** What a card shows, as the scenarios read it. */
export interface ItemSnapshot {
  state: string;
  decoder: string | null;
  cache: string | null;
  text: string;
  /** The shown thumbnail's natural size, when there is one. */
  width?: number;
  height?: number;
  /** The main download link's file name. */
  fileName?: string;
}

export async function readItems(): Promise<ItemSnapshot[]> {
  const list = document.querySelector('[aria-label="Thumbnails"]');
  const items = list ? [...list.querySelectorAll(':scope > li')] : [];
  return Promise.all(
    items.map(async (li) => {
      const el = li as HTMLElement;
      const img = el.querySelector('.preview img') as HTMLImageElement | null;
      if (img) await img.decode().catch(() => undefined);
      const link = el.querySelector('a[download]') as HTMLAnchorElement | null;
      return {
        state: el.dataset.state ?? '',
        decoder: el.dataset.decoder ?? null,
        cache: el.dataset.cache ?? null,
        text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
        ...(img && img.naturalWidth ? { width: img.naturalWidth, height: img.naturalHeight } : {}),
        ...(link ? { fileName: link.getAttribute('download') ?? '' } : {}),
      };
    }),
  );
}

/** The progress bar's finished count, or -1 while there is none. */
export function finishedCount(): number {
  const bar = document.querySelector('[role="progressbar"][aria-label="Progress"]');
  return bar ? Number(bar.getAttribute('aria-valuenow')) : -1;
}

/** The RGBA pixels of item `index`'s thumbnail, as base64 (cheap to hand over). */
export async function thumbnailPixels(index: number): Promise<{ width: number; height: number; rgba: string }> {
  const li = document.querySelectorAll('[aria-label="Thumbnails"] > li')[index];
  const img = li?.querySelector('.preview img') as HTMLImageElement | null;
  if (!img) throw new Error(`item ${index} shows no thumbnail`);
  await img.decode();
  const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  const bytes = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let text = '';
  for (let k = 0; k < bytes.length; k += 0x8000) text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  return { width: canvas.width, height: canvas.height, rgba: btoa(text) };
}

/** The bytes behind item `index`'s download link, as base64. */
export async function downloadedBytes(index: number): Promise<string> {
  const li = document.querySelectorAll('[aria-label="Thumbnails"] > li')[index];
  const link = li?.querySelector('a[download]') as HTMLAnchorElement | null;
  if (!link) throw new Error(`item ${index} has no download link`);
  const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
  let text = '';
  for (let k = 0; k < bytes.length; k += 0x8000) text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  return btoa(text);
}

/**
 * Catches the next download the page starts (an <a download> clicked, as the
 * ZIP's saveBlob does) and keeps its name and bytes, instead of letting the
 * browser save it: the engines' download managers differ under automation, the
 * bytes the page offers do not.
 */
export function catchNextDownload(): void {
  const w = window as unknown as { caughtDownload?: Promise<{ name: string; base64: string }> };
  w.caughtDownload = new Promise((resolve, reject) => {
    const onClick = (e: MouseEvent) => {
        const a = (e.target as Element | null)?.closest?.('a[download]') as HTMLAnchorElement | null;
        if (!a) return; // the click on the button that starts it, say
        document.removeEventListener('click', onClick, true);
        e.preventDefault();
        fetch(a.href)
          .then((r) => r.arrayBuffer())
          .then((buffer) => {
            const bytes = new Uint8Array(buffer);
            let text = '';
            for (let k = 0; k < bytes.length; k += 0x8000) text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
            resolve({ name: a.download, base64: btoa(text) });
          }, reject);
    };
    document.addEventListener('click', onClick, true);
  });
}

export async function caughtDownload(): Promise<{ name: string; base64: string }> {
  const w = window as unknown as { caughtDownload?: Promise<{ name: string; base64: string }> };
  if (!w.caughtDownload) throw new Error('catchNextDownload() was not called');
  return w.caughtDownload;
}

/** True once a service worker controls the page and the app says it works offline. */
export function worksOffline(): boolean {
  return navigator.serviceWorker?.controller != null && (document.querySelector('[data-testid="offline-status"]')?.textContent ?? '').includes('Works offline');
}

export const appRendered = (): boolean => document.querySelector('h1') !== null && document.querySelector('input[type=file]') !== null;
