/**
 * Answers the old API gave lately, by content hash and options: its clients often
 * send the same image again (a page re-rendered, a retry). Bounded by size, least
 * recently used out first, so a flood of distinct images cannot grow it.
 */
export class AnswerCache {
  private readonly entries = new Map<string, string>();
  private size = 0;

  constructor(private readonly maxChars: number) {}

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: string): void {
    if (value.length > this.maxChars) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.size -= old.length;
    }
    this.entries.set(key, value);
    this.size += value.length;
    for (const [oldest, v] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(oldest);
      this.size -= v.length;
    }
  }

  get count(): number {
    return this.entries.size;
  }
}
