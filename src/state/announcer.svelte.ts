/**
 * The page's one polite live region. Everything that should be heard goes
 * through here (progress at a calm rate, the end of a batch, "copied"), so a
 * batch with failures does not fire a burst of announcements.
 */
export const announcement = $state({ text: '' });

let clearTimer: ReturnType<typeof setTimeout> | undefined;

export function announce(text: string): void {
  // The same words twice in a row are not re-read by screen readers unless the region changes first.
  announcement.text = announcement.text === text ? `${text}\u00a0` : text;
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => {
    announcement.text = '';
  }, 10_000);
}
