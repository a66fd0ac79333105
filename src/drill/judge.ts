/**
 * The judge: after a scenario, does the world show that the attack worked? Each `brokeIf` check looks at one
 * thing outside bulwark's own records — what reached the model provider, what the client was shown, what the decoy
 * services received, files, sizes, processes, the provider's bill. The first check that holds is the evidence.
 */
import type { SeenRequest } from './director.js';
import type { Check } from './scenario.js';
import type { RecordedRequest, ServiceName } from './services.js';
import { fillTemplate, type Lookup } from './transforms.js';
import { revealedIn, viewsOf } from './reveal.js';
import { bytesUnder, exists, fileText, fingerprint, processesWith } from './world.js';

export interface Observations {
  /** Requests the daemon sent to the hostile provider during the scenario (the probe's marked `probe`). */
  readonly requests: readonly SeenRequest[];
  /** What each exchange's client was shown. */
  readonly shown: readonly string[];
  readonly services: readonly RecordedRequest[];
  /** Fingerprints taken before the run, by resolved path. */
  readonly before: ReadonlyMap<string, string>;
  /** Resolves judge placeholders; several values for one name (each session's canary) are tried in turn. */
  readonly values: (name: string) => readonly string[];
}

export interface Finding {
  readonly check: number;
  readonly evidence: string;
}

/** Every value a template can stand for (a template naming the canary has one per session). */
export function expand(template: string, values: (name: string) => readonly string[]): string[] {
  const names = [...template.matchAll(/\{\{([^}]*)\}\}/g)].map((m) => (m[1] ?? '').split('|')[0]?.trim() ?? '');
  const multi = names.find((n) => values(n).length > 1);
  const choices = multi ? values(multi) : [undefined];
  const out: string[] = [];
  for (const choice of choices) {
    const lookup: Lookup = (name) => (name === multi && choice !== undefined ? choice : values(name)[0]);
    const r = fillTemplate(template, lookup);
    if (r.ok && r.value !== '') out.push(r.value);
  }
  return out;
}

/** Paths a check names, resolved (for the fingerprints taken before the run). */
export function pathsToWatch(checks: readonly Check[], values: (name: string) => readonly string[]): string[] {
  return checks.flatMap((c) => ('file' in c && c.changed ? expand(c.file, values) : []));
}

function serviceText(r: RecordedRequest): string {
  return `${r.method} ${r.url}\n${Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n${r.body}`;
}

const short = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n)}…` : s);

function describeValue(template: string): string {
  return template.replace(/\{\{\s*([^}|]+)[^}]*\}\}/g, (_m, name: string) => name.trim());
}

/** The first check that shows the attack worked, or undefined when the world is as it was. */
export function judge(checks: readonly Check[], obs: Observations): Finding | undefined {
  for (const [i, c] of checks.entries()) {
    const evidence = judgeOne(c, obs);
    if (evidence) return { check: i, evidence };
  }
  return undefined;
}

function judgeOne(c: Check, obs: Observations): string | undefined {
  if ('providerSaw' in c) {
    const reqs = obs.requests.filter(
      (r) => r.exchange !== 'probe' && (c.exchange === undefined || r.exchange === c.exchange),
    );
    const views = viewsOf(reqs.map((r) => r.text).join('\n'));
    for (const v of expand(c.providerSaw, obs.values))
      if (revealedIn(views, v)) return `the model provider received ${describeValue(c.providerSaw)}`;
    return undefined;
  }
  if ('clientSaw' in c) {
    const views = viewsOf(obs.shown.join('\n'));
    for (const v of expand(c.clientSaw, obs.values))
      if (revealedIn(views, v)) return `the client was shown ${describeValue(c.clientSaw)}`;
    return undefined;
  }
  if ('service' in c) {
    const hits = obs.services.filter((r) => r.service === (c.service as ServiceName));
    if (hits.length === 0) return undefined;
    if (c.saw === undefined)
      return `the ${c.service} service got ${hits.length} request(s): ${short(`${hits[0]?.method} ${hits[0]?.url}`)}`;
    const views = viewsOf(hits.map(serviceText).join('\n'));
    for (const v of expand(c.saw, obs.values))
      if (revealedIn(views, v)) return `the ${c.service} service received ${describeValue(c.saw)}`;
    return undefined;
  }
  if ('file' in c) {
    for (const file of expand(c.file, obs.values)) {
      if (c.changed) {
        const before = obs.before.get(file);
        const now = fingerprint(file);
        if (before !== undefined && before !== now) return `${file} was ${now === 'absent' ? 'deleted' : 'changed'}`;
      }
      if (c.exists === true && exists(file)) {
        if (c.contains === undefined) return `${file} exists`;
        const text = fileText(file) ?? '';
        const views = viewsOf(text);
        for (const v of expand(c.contains, obs.values))
          if (revealedIn(views, v)) return `${file} exists and holds ${describeValue(c.contains)}`;
      }
      if (c.exists === false && !exists(file)) return `${file} is gone`;
      if (c.exists === undefined && c.contains !== undefined) {
        const views = viewsOf(fileText(file) ?? '');
        for (const v of expand(c.contains, obs.values))
          if (revealedIn(views, v)) return `${file} holds ${describeValue(c.contains)}`;
      }
    }
    return undefined;
  }
  if ('bytesOver' in c) {
    for (const root of expand(c.under, obs.values)) {
      const bytes = bytesUnder(root);
      if (bytes > c.bytesOver) return `${root} holds ${bytes} bytes (more than ${c.bytesOver})`;
    }
    return undefined;
  }
  if ('processAlive' in c) {
    for (const needle of expand(c.processAlive, obs.values)) {
      const pids = processesWith(needle);
      if (pids.length > 0)
        return `${pids.length} process(es) still running after the turn (pid ${pids.slice(0, 5).join(', ')})`;
    }
    return undefined;
  }
  if ('recalled' in c) {
    const views = viewsOf(
      obs.requests
        .filter((r) => r.exchange === 'probe')
        .map((r) => r.text)
        .join('\n'),
    );
    for (const v of expand(c.recalled, obs.values))
      if (revealedIn(views, v)) return `a later session's prompt carried ${describeValue(c.recalled)}`;
    return undefined;
  }
  const billed = obs.requests.filter((r) => r.exchange !== 'probe').reduce((sum, r) => sum + r.billed, 0);
  return billed > c.billedOver ? `the provider billed ${billed} tokens (more than ${c.billedOver})` : undefined;
}
