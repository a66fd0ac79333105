/**
 * A least-recently-used map bounded by entry count and by total weight (the caller's measure of memory). The
 * newest entry always stays, however heavy: the next reader of the same key is usually moments away.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private weight = 0;

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

  set(key: string, value: V, weight: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.weight -= old.weight;
    }
    this.entries.set(key, { value, weight });
    this.weight += weight;
    while (this.entries.size > 1 && (this.entries.size > this.maxEntries || this.weight > this.maxWeight)) {
      const [oldest, e] = this.entries.entries().next().value as [string, { weight: number }];
      this.entries.delete(oldest);
      this.weight -= e.weight;
    }
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
