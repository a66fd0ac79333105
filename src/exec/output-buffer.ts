/** Keeps the head and the tail of a stream up to a byte cap; the middle is counted, not stored. */
export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headCap = Math.floor(this.maxBytes / 2);
    if (this.headBytes < headCap) {
      const take = Math.min(headCap - this.headBytes, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    const tailCap = this.maxBytes - headCap;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= tailCap && this.tail.length > 1) {
      this.tailBytes -= (this.tail.shift() as Buffer).length;
    }
  }

  get truncated(): boolean {
    return this.total > this.maxBytes;
  }

  get totalBytes(): number {
    return this.total;
  }

  text(): string {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    const tailCap = this.maxBytes - Math.floor(this.maxBytes / 2);
    if (tail.length > tailCap) tail = tail.subarray(tail.length - tailCap);
    const omitted = this.total - head.length - tail.length;
    if (omitted <= 0) return Buffer.concat([head, tail]).toString('utf8');
    return `${head.toString('utf8')}\n[… ${omitted} bytes omitted …]\n${tail.toString('utf8')}`;
  }
}
