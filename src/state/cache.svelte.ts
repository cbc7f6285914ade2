import { clearCaches, thumbnailCache } from '../client/thumbnailer';
import { DEFAULT_BUDGET_BYTES, type CacheStats } from '../client/thumbnail-cache';

const BUDGET_KEY = 'thumbnail-generator:cache-budget-bytes';
const MB = 1024 * 1024;

function savedBudget(): number {
  const saved = Number(globalThis.localStorage?.getItem(BUDGET_KEY));
  return Number.isFinite(saved) && saved > 0 ? saved : DEFAULT_BUDGET_BYTES;
}

/** Live cache statistics for the settings area. */
export const cacheState: { stats: CacheStats; budgetMb: number } = $state({
  stats: { enabled: true, count: 0, bytes: 0, budgetBytes: savedBudget() },
  budgetMb: Math.round((savedBudget() / MB) * 100) / 100,
});

let started = false;
/** Opens the cache with the saved budget and keeps the statistics current. */
export function startCache(): void {
  if (started) return;
  started = true;
  thumbnailCache.subscribe((stats) => {
    cacheState.stats = stats;
  });
  void thumbnailCache.setBudget(savedBudget());
}

/** Applies the budget field (in MB); out-of-range input is ignored until corrected. */
export async function applyBudget(): Promise<void> {
  const mb = Number(cacheState.budgetMb);
  if (!Number.isFinite(mb) || mb <= 0) return;
  const bytes = Math.round(mb * MB);
  try {
    globalThis.localStorage?.setItem(BUDGET_KEY, String(bytes));
  } catch {
    // Not remembered across reloads; still applied now.
  }
  await thumbnailCache.setBudget(bytes);
}

export function clearCache(): Promise<void> {
  return clearCaches();
}
