/**
 * Fetches in progress: at most `overall` at once across all clients, and at
 * most `perClient` for any one client key, so that a few clients (each within
 * the rate limit) cannot hold every slot on slow upstreams and starve the rest.
 * The per-client check comes first: a client at its own cap is told so (429),
 * not that the proxy is busy.
 */
export interface Slot {
  /** Gives the slot back; safe to call more than once. */
  release(): void;
}

export function createSlots(overall: number, perClient: number) {
  let inProgress = 0;
  const byClient = new Map<string, number>();
  return {
    take(clientKey: string): Slot | 'client-full' | 'full' {
      const mine = byClient.get(clientKey) ?? 0;
      if (mine >= perClient) return 'client-full';
      if (inProgress >= overall) return 'full';
      inProgress++;
      byClient.set(clientKey, mine + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          inProgress--;
          const left = (byClient.get(clientKey) ?? 1) - 1;
          // Forgotten at zero, so the map holds only clients with fetches in progress.
          if (left > 0) byClient.set(clientKey, left);
          else byClient.delete(clientKey);
        },
      };
    },
    /** For tests and diagnostics. */
    inProgress: () => inProgress,
  };
}
