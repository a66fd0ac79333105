/**
 * A suffix automaton over a set of strings (generalized: strings are added one after another). Followed from its
 * start, its transitions spell exactly the substrings of the strings added: `step` answers in constant time whether
 * a substring read so far stays one when a code unit is appended. Linear in the total length added (at most two
 * states per code unit).
 */
export class SubstringAutomaton {
  /** Per state: its transitions by code unit. */
  private readonly next: Array<Map<number, number>> = [new Map()];
  /** Per state: length of the longest string it stands for, and its suffix link (-1 for the start). */
  private readonly len: number[] = [0];
  private readonly link: number[] = [-1];

  /** The start state: the empty string. */
  static readonly START = 0;

  /** Adds every substring of `text`. */
  add(text: string): void {
    let last = 0;
    for (let i = 0; i < text.length; i++) last = this.extend(last, text.charCodeAt(i));
  }

  /** The state after appending `code` to what `state` stands for, or -1 when that is no substring. */
  step(state: number, code: number): number {
    return (this.next[state] as Map<number, number>).get(code) ?? -1;
  }

  private extend(last: number, c: number): number {
    const existing = this.step(last, c);
    if (existing >= 0) {
      // The string so far continued by `c` is already known (another string shares it).
      if ((this.len[last] as number) + 1 === (this.len[existing] as number)) return existing;
      return this.split(last, existing, c);
    }
    const cur = this.state((this.len[last] as number) + 1, -1, new Map());
    let p = last;
    while (p >= 0 && this.step(p, c) < 0) {
      (this.next[p] as Map<number, number>).set(c, cur);
      p = this.link[p] as number;
    }
    if (p < 0) this.link[cur] = 0;
    else {
      const q = this.step(p, c);
      this.link[cur] = (this.len[p] as number) + 1 === (this.len[q] as number) ? q : this.split(p, q, c);
    }
    return cur;
  }

  /** Clones `q` (reached from `p` by `c`) into a state as long as p + 1 and redirects p's chain to it. */
  private split(p: number, q: number, c: number): number {
    const clone = this.state(
      (this.len[p] as number) + 1,
      this.link[q] as number,
      new Map(this.next[q] as Map<number, number>),
    );
    let at = p;
    while (at >= 0 && this.step(at, c) === q) {
      (this.next[at] as Map<number, number>).set(c, clone);
      at = this.link[at] as number;
    }
    this.link[q] = clone;
    return clone;
  }

  private state(len: number, link: number, next: Map<number, number>): number {
    this.next.push(next);
    this.len.push(len);
    this.link.push(link);
    return this.next.length - 1;
  }
}
