/**
 * A least-recently-used map bounded by entry count and by total weight (the caller's measure of memory). A
 * weight is read when entries are added, so a value that grows after it was stored (a model whose nested scripts
 * are parsed on first read) is counted at its size then. The newest entry always stays, however heavy: the next
 * reader of the same key is usually moments away.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: () => number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight: number,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, weight: () => number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, weight });
    let total = 0;
    for (const e of this.entries.values()) total += e.weight();
    while (this.entries.size > 1 && (this.entries.size > this.maxEntries || total > this.maxWeight)) {
      const [oldest, e] = this.entries.entries().next().value as [string, { weight: () => number }];
      total -= e.weight();
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
