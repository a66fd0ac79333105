/** Worst-case command lines shared by the command-policy and shell-model bench suites. */

/** Repeats `unit` (numbered with {n} where it appears) until the next one would pass `max` characters. */
export function fill(unit: string, max: number, head = '', tail = ''): string {
  let s = head;
  for (let n = 0; ; n++) {
    const next = unit.replaceAll('{n}', String(n));
    if (s.length + next.length + tail.length > max) break;
    s += next;
  }
  return s + tail;
}

function nested(open: string, inner: string, close: string, max: number): string {
  const k = Math.floor((max - inner.length) / (open.length + close.length));
  return open.repeat(k) + inner + close.repeat(k);
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** `wrap` applied around the longest `a|a|…` that keeps the whole line within `max` characters. */
function around(wrap: (inner: string) => string, max: number): string {
  const overhead = wrap('a').length - 1;
  return wrap(fill('a|', max - overhead - 1, '', 'a'));
}

function shC(depth: number): (inner: string) => string {
  return (s) => {
    for (let i = 0; i < depth; i++) s = `sh -c ${quote(s)}`;
    return s;
  };
}

function heredocs(depth: number): (inner: string) => string {
  return (s) => {
    for (let i = depth; i > 0; i--) s = `cat <<E${i} | sh\n${s}\nE${i}`;
    return s;
  };
}

export const ORDINARY = fill(
  'git status --short && grep -rn "TODO" src | sort | uniq -c > build/todo-{n}.txt; FOO=1 make -j2 test 2>&1 | tail -20; ',
  1024,
);

/** [name, line, samples]: 8 KB and `max` (64 KB) versions of each hostile shape, and 1 KB of ordinary commands. */
export function worstCases(max: number): ReadonlyArray<readonly [string, string, number]> {
  const KB8 = 8 * 1024;
  return [
    ['1 KB ordinary command', ORDINARY, 2000],
    ['8 KB a|a|…', fill('a|', KB8 - 1, '', 'a'), 200],
    ['64 KB a|a|…', fill('a|', max - 1, '', 'a'), 30],
    ['8 KB touch /xN;', fill('touch /x{n};', KB8), 200],
    ['64 KB touch /xN;', fill('touch /x{n};', max), 30],
    ['8 KB nested $( $( … ) )', nested('$( ', 'true', ' )', KB8), 200],
    ['64 KB nested $( $( … ) )', nested('$( ', 'true', ' )', max), 30],
    ['8 KB nested "$( "$( … )" )"', `echo ${nested('"$(', 'true', ')"', KB8 - 5)}`, 200],
    ['64 KB nested "$( "$( … )" )"', `echo ${nested('"$(', 'true', ')"', max - 5)}`, 30],
    ["64 KB sh -c '…' 8 deep around a|a|…", around(shC(8), max), 30],
    ['64 KB cat <<E | sh 8 deep around a|a|…', around(heredocs(8), max), 30],
  ];
}
