/**
 * A growable list of 32-bit integers in a typed array. Hostile text makes a scanner record hundreds of thousands
 * of hit offsets; a plain array of that size grows in the JS heap, which costs far more per element (copying and
 * collecting the old backing stores) than the record itself.
 */
export class IntList {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The last value; undefined when empty. */
  last(): number | undefined {
    return this.length > 0 ? this.data[this.length - 1] : undefined;
  }

  /** The values as a view (valid until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
