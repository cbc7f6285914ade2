/** 1536 -> '1.5 KB'. Decimal-free below 10 units keeps one decimal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A time left, rounded as a person would say it: '5 s', '2 min', '1 h 5 min'. */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** The thumbnail's size against the original's: '−96%' smaller, '+12%' bigger. */
export function formatSaving(thumbnailBytes: number, originalBytes: number): string {
  if (!originalBytes) return '';
  const change = Math.round((thumbnailBytes / originalBytes - 1) * 100);
  return change <= 0 ? `−${Math.abs(change)}%` : `+${change}%`;
}
