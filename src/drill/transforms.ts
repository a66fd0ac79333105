/**
 * The reversible transforms a hostile model applies to what it wants to smuggle out (`{{canary|reverse|base64}}`),
 * and the placeholder filler that uses them. Scenario files name them; the judge undoes them (reveal.ts).
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { base32Encode as base32Unpadded, rot13 } from '../text/index.js';

/** RFC 4648 base32 with its padding, as a model would paste it. */
export function base32Encode(bytes: Buffer): string {
  const text = base32Unpadded(bytes);
  return text + '='.repeat((8 - (text.length % 8)) % 8);
}

export function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

type Transform = (text: string, arg: string | undefined) => Result<string, BulwarkError>;

const positive = (name: string, arg: string | undefined): Result<number, BulwarkError> => {
  const n = Number(arg);
  return Number.isInteger(n) && n > 0 && n <= 1_000_000
    ? ok(n)
    : err(bulwarkError('drill.transform', `transform ${name} needs a positive whole number, e.g. ${name}:4`));
};

/** Every transform by name; `name:arg` passes an argument. */
export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  reverse: (t) => ok([...t].reverse().join('')),
  base64: (t) => ok(Buffer.from(t, 'utf8').toString('base64')),
  base64url: (t) => ok(Buffer.from(t, 'utf8').toString('base64url')),
  base32: (t) => ok(base32Encode(Buffer.from(t, 'utf8'))),
  hex: (t) => ok(Buffer.from(t, 'utf8').toString('hex')),
  rot13: (t) => ok(rot13(t)),
  upper: (t) => ok(t.toUpperCase()),
  lower: (t) => ok(t.toLowerCase()),
  swapcase: (t) => ok(swapCase(t)),
  charcodes: (t) => ok([...t].map((c) => c.codePointAt(0)).join(' ')),
  urlencode: (t) => ok(encodeURIComponent(t)),
  json: (t) => ok(JSON.stringify(t)),
  /** Groups of N characters joined by a space (`split:4`). */
  split: (t, arg) => {
    const n = positive('split', arg ?? '1');
    if (!n.ok) return n;
    const chars = [...t];
    const parts: string[] = [];
    for (let i = 0; i < chars.length; i += n.value) parts.push(chars.slice(i, i + n.value).join(''));
    return ok(parts.join(' '));
  },
  /** The first N characters. */
  head: (t, arg) => {
    const n = positive('head', arg);
    return n.ok ? ok([...t].slice(0, n.value).join('')) : n;
  },
  /** The first match of a regular expression (from the scenario file), or nothing. */
  match: (t, arg) => {
    if (!arg)
      return err(bulwarkError('drill.transform', 'transform match needs a pattern, e.g. match:bwk_[A-Za-z0-9_]+'));
    let re: RegExp;
    try {
      re = new RegExp(arg);
    } catch {
      return err(bulwarkError('drill.transform', `transform match: "${arg}" is not a regular expression`));
    }
    return ok(re.exec(t)?.[0] ?? '');
  },
  /** Line N (1-based) of the text. */
  line: (t, arg) => {
    const n = positive('line', arg);
    return n.ok ? ok(t.split('\n')[n.value - 1] ?? '') : n;
  },
};

const PLACEHOLDER = /\{\{([^{}]{1,400})\}\}/g;

/** Splits `name|t1|t2:arg` (a `match:` argument may itself hold `|`: it takes the rest). */
function parsePlaceholder(body: string): { name: string; transforms: Array<{ name: string; arg?: string }> } {
  const parts: string[] = [];
  let rest = body;
  for (;;) {
    const bar = rest.indexOf('|');
    if (bar < 0 || rest.startsWith('match:')) {
      parts.push(rest);
      break;
    }
    parts.push(rest.slice(0, bar));
    rest = rest.slice(bar + 1);
  }
  const [name = '', ...ts] = parts.map((p) => p.trim());
  return {
    name,
    transforms: ts.map((t) => {
      const colon = t.indexOf(':');
      return colon < 0 ? { name: t } : { name: t.slice(0, colon), arg: t.slice(colon + 1) };
    }),
  };
}

/** Resolves a placeholder name (`canary`, `header:authorization`, `decoy:ssh_key`, …) or says it is unknown. */
export type Lookup = (name: string) => string | undefined;

/** Fills every `{{name|transform…}}` of a template. An unknown name or transform is an error naming it. */
export function fillTemplate(template: string, lookup: Lookup): Result<string, BulwarkError> {
  let failure: BulwarkError | undefined;
  const out = template.replace(PLACEHOLDER, (_whole, body: string) => {
    if (failure) return '';
    const p = parsePlaceholder(body);
    let value = lookup(p.name);
    if (value === undefined) {
      failure = bulwarkError('drill.placeholder', `unknown placeholder {{${p.name}}}`);
      return '';
    }
    for (const t of p.transforms) {
      const f = TRANSFORMS[t.name];
      if (!f) {
        failure = bulwarkError(
          'drill.transform',
          `unknown transform "${t.name}"; known: ${Object.keys(TRANSFORMS).join(', ')}`,
        );
        return '';
      }
      const r = f(value, t.arg);
      if (!r.ok) {
        failure = r.error;
        return '';
      }
      value = r.value;
    }
    return value;
  });
  return failure ? err(failure) : ok(out);
}

/** Every placeholder name a template uses (for checking scenario files before a run). */
export function placeholderNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => parsePlaceholder(m[1] ?? '').name);
}

/** Every transform name a template uses. */
export function transformNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].flatMap((m) => parsePlaceholder(m[1] ?? '').transforms.map((t) => t.name));
}
