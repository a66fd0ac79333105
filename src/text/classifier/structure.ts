/**
 * Document-shape signals of the L01 classifier, one pass over the lines of the detection view: how long the
 * text is, and how much of it looks like mail headers, quoted replies, code, tables/CSV, logs, Markdown, URLs,
 * or a message addressed to "you". They let the model learn that an e-mail, a diff or a log
 * is data, not a request, without a keyword list. Length and script are left out on purpose: in the corpora they
 * tell sources apart (attacks are short, documents long; most non-English attacks come from one source). Each signal is a bucket name such as "code:2" (share of
 * code-like lines in quarters); the model learns one weight per bucket.
 */

const HEADER =
  /^(?:from|to|cc|bcc|subject|date|reply-to|sent|message-id|mime-version|content-type|received|return-path|x-[a-z-]+|in-reply-to|references|organization|user-agent):\s/;
const CODE_START =
  /^\s*(?:def |class |import |from \S+ import|function\b|return\b|if\s*\(|for\s*\(|while\s*\(|const |let |var |#include|public |private |protected |func |fn |package |use |end\b|elif |else\b|try\b|catch\b|\}|\{|\/\/|\/\*|\*|#!|@\w+)/;
const CODE_END = /[;{}(),\]]\s*$|=>\s*$|:\s*$/;
const LOG_START =
  /^\s*(?:\[?\d{2,4}[-/.:]\d{1,2}|\[?(?:info|warn|warning|error|debug|trace|fatal)\]?\b|\d{6,}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) +\d)/;
const LIST_ITEM = /^\s*(?:[-*+] |\d{1,3}[.)] )/;
const QUOTED = /^\s*>/;
const MAX_LINES = 400;

const share = (n: number, of: number) => (of === 0 ? 0 : Math.min(4, Math.floor((5 * n) / of)));
const count = (n: number) => (n >= 8 ? 3 : n >= 3 ? 2 : n >= 1 ? 1 : 0);

/** Shape signal names of `view[from, to)`. */
export function shapeSignals(view: string, from: number, to: number): string[] {
  let lines = 0;
  let header = 0;
  let quoted = 0;
  let code = 0;
  let indented = 0;
  let table = 0;
  let log = 0;
  let heading = 0;
  let list = 0;
  let paragraphs = 0;
  let blank = false;
  let start = from;
  while (start < to && lines < MAX_LINES) {
    let end = view.indexOf('\n', start);
    if (end < 0 || end > to) end = to;
    const line = view.slice(start, Math.min(end, start + 240));
    start = end + 1;
    if (line.trim() === '') {
      blank = lines > 0;
      continue;
    }
    if (blank) paragraphs++;
    blank = false;
    lines++;
    if (HEADER.test(line)) header++;
    if (QUOTED.test(line)) quoted++;
    if (CODE_START.test(line) || CODE_END.test(line)) code++;
    if (/^(?: {2,}|\t)/.test(line)) indented++;
    if (LOG_START.test(line)) log++;
    if (/^#{1,6} /.test(line)) heading++;
    if (LIST_ITEM.test(line)) list++;
    let cells = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x2c || c === 0x09 || c === 0x7c || c === 0x3b) cells++;
    }
    if (cells >= 3) table++;
  }
  let urls = 0;
  let symbols = 0;
  let you = 0;
  let words = 0;
  const sample = Math.min(to, from + 8192);
  for (let i = from; i < sample; i++) {
    const c = view.charCodeAt(i);
    if (
      c === 0x7b ||
      c === 0x7d ||
      c === 0x3d ||
      c === 0x3c ||
      c === 0x3e ||
      c === 0x5b ||
      c === 0x5d ||
      c === 0x28 ||
      c === 0x29 ||
      c === 0x3b
    )
      symbols++;
    if (c === 0x20 || c === 0x0a) words++;
    if (c === 0x3a && view.charCodeAt(i + 1) === 0x2f && view.charCodeAt(i + 2) === 0x2f) urls++;
    if (
      c === 0x79 &&
      view.charCodeAt(i + 1) === 0x6f &&
      view.charCodeAt(i + 2) === 0x75 &&
      (i === from || !isLetter(view.charCodeAt(i - 1)))
    )
      you++;
  }
  const sampled = Math.max(1, sample - from);
  return [
    `header:${count(header)}`,
    `quoted:${share(quoted, lines)}`,
    `code:${share(code, lines)}`,
    `indent:${share(indented, lines)}`,
    `table:${share(table, lines)}`,
    `log:${share(log, lines)}`,
    `heading:${count(heading)}`,
    `list:${share(list, lines)}`,
    `urls:${count(urls)}`,
    `symbols:${Math.min(4, Math.floor((40 * symbols) / sampled))}`,
    `you:${Math.min(4, Math.floor((20 * you) / Math.max(1, words)))}`,
    `paragraphs:${count(paragraphs)}`,
  ];
}

/**
 * One coarse kind of the window from its shape signals, for crossing with the concepts and pattern families: the
 * same words mean one thing in a Markdown guide or a quoted reply and another in a short message.
 */
export function shapeKind(signals: readonly string[]): string {
  const level = (name: string) => {
    const s = signals.find((x) => x.startsWith(`${name}:`));
    return s === undefined ? 0 : Number(s.slice(name.length + 1));
  };
  if (level('heading') > 0) return 'markdown';
  if (level('code') >= 2) return 'code';
  if (level('table') >= 2 || level('log') >= 2) return 'records';
  if (level('header') > 0 || level('quoted') > 0) return 'mail';
  if (level('list') >= 2) return 'list';
  if (level('paragraphs') >= 2) return 'prose';
  return 'message';
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
