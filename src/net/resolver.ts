/** Name resolution for L10. The guard asks once, checks every answer, and pins one of them. */
import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface Resolver {
  /** Every address the name resolves to (A and AAAA). Rejects when there is none. */
  resolve(host: string): Promise<readonly ResolvedAddress[]>;
}

/** The system resolver (getaddrinfo), all addresses, in the order the system gives them. */
export const systemResolver: Resolver = {
  async resolve(host) {
    const answers = await lookup(host, { all: true, verbatim: true });
    return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  },
};

/**
 * A resolver answering from a table, for tests, the eval and benchmarks (no DNS traffic).
 * A host with several answer sets returns them in turn (the last one repeats), which is how
 * a rebinding attacker's DNS server behaves: public first, private on the next question.
 */
export class StubResolver implements Resolver {
  private readonly asked = new Map<string, number>();
  constructor(private readonly table: Readonly<Record<string, ReadonlyArray<readonly string[]>>>) {}

  /** How often a name was asked (tests prove the pinning by this count). */
  count(host: string): number {
    return this.asked.get(host) ?? 0;
  }

  async resolve(host: string): Promise<readonly ResolvedAddress[]> {
    const sets = this.table[host];
    const n = this.asked.get(host) ?? 0;
    this.asked.set(host, n + 1);
    if (!sets || sets.length === 0) throw new Error(`no DNS answer for ${host}`);
    const set = sets[Math.min(n, sets.length - 1)] as readonly string[];
    return set.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }
}
