/**
 * Least-recently-used eviction, as a plan: which entries to delete so that the
 * cache plus an incoming entry fits the budget. Pure, so it is unit-tested in Node;
 * the IndexedDB store carries it out.
 */
export interface CacheEntryInfo {
  key: string;
  size: number;
  lastUsed: number;
}

export function planEviction(entries: readonly CacheEntryInfo[], budgetBytes: number, incomingBytes = 0): string[] {
  let total = entries.reduce((sum, e) => sum + e.size, 0) + incomingBytes;
  if (total <= budgetBytes) return [];
  const oldestFirst = [...entries].sort((a, b) => a.lastUsed - b.lastUsed || a.key.localeCompare(b.key));
  const doomed: string[] = [];
  for (const entry of oldestFirst) {
    if (total <= budgetBytes) break;
    doomed.push(entry.key);
    total -= entry.size;
  }
  return doomed;
}
