/**
 * Ends the current task so the browser can render and handle input before the
 * next piece of work. scheduler.yield() (Chromium 129+) resumes ahead of other
 * queued tasks; elsewhere a MessageChannel message, which unlike setTimeout(0)
 * is not clamped to 4 ms, or to 1 s in a background tab.
 */
export function yieldToBrowser(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
