import { tick } from 'svelte';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select, textarea';

/**
 * After an action that removes the button it was pressed on (Cancel, Retry,
 * Remove, Clear), moves the focus to the first control in `target`, once the page
 * has updated, so a keyboard user is not sent back to the top of the page.
 * Leaves the focus alone if it already landed on something.
 */
export async function refocus(target: () => Element | null | undefined): Promise<void> {
  await tick();
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const el = target();
  const control = el?.matches(FOCUSABLE) ? el : el?.querySelector(FOCUSABLE);
  (control as HTMLElement | null | undefined)?.focus();
}

/** The control that adds images: where the focus goes when nothing near it is left. */
export const picker = () => document.querySelector('#add input[type="file"]');
