/** Shapes shared by the L24 skill content scanner: where text was read, the facts found in it, the findings. */

/** Where a piece of text sits: its file, the line its first line is on, how deep in nested/decoded code. */
export interface TextSite {
  readonly file: string;
  /** 1-based line of the text's first line in the file. */
  readonly line: number;
  /** 0 for a file's own text; +1 per level of nested code (a `python -c` in a shell line, a decoded payload). */
  readonly depth: number;
  /** Set when the text only exists after decoding (base64, hex, compression, char codes …). */
  readonly decoded?: boolean;
}

/** collector: a known drop service (webhooks, paste sites, tunnels); ip: a bare public address; dynamic: built at run time. */
export type HostKind = 'collector' | 'ip' | 'named' | 'dynamic';

export type FactKind =
  | 'exec.remote'
  | 'exec.decoded'
  | 'exec.dynamic'
  | 'net.get'
  | 'net.send'
  | 'net.socket'
  | 'net.dns-exfil'
  | 'reverse-shell'
  | 'cred.read'
  | 'env.dump'
  | 'files.read'
  | 'persist.write'
  | 'priv.escalate'
  | 'agent.desktop-config'
  | 'install-hook';

/** One thing a piece of code does, with where it was seen. */
export interface Fact {
  readonly kind: FactKind;
  readonly file: string;
  readonly line: number;
  readonly excerpt: string;
  readonly decoded?: boolean;
  /** What exactly (the credential store, the persistence place, the decoder …). */
  readonly detail?: string;
  readonly host?: string;
  readonly hostKind?: HostKind;
  /** Plain http (or another unauthenticated transport). */
  readonly insecure?: boolean;
  /** Output silenced or the process detached, so the user does not see it run. */
  readonly hidden?: boolean;
  /** What is written (a persistence point, a hook) itself fetches or runs code. */
  readonly armed?: boolean;
}

export type SkillRule =
  | 'skill.archive'
  | 'skill.binary'
  | 'skill.concealment'
  | 'skill.credential-access'
  | 'skill.description-mismatch'
  | 'skill.dropper-instructions'
  | 'skill.encoded-payload'
  | 'skill.env-harvest'
  | 'skill.exfiltration'
  | 'skill.fetch-execute'
  | 'skill.hidden-unicode'
  | 'skill.install-hook'
  | 'skill.instruction-override'
  | 'skill.manifest'
  | 'skill.obfuscated-exec'
  | 'skill.persistence'
  | 'skill.privilege-escalation'
  | 'skill.reverse-shell'
  | 'skill.unreadable';

/** critical blocks the skill; warning lets it install with the finding shown. */
export type FindingSeverity = 'warning' | 'critical';
export type Verdict = 'allow' | 'warn' | 'block';

export interface SkillFinding {
  readonly rule: SkillRule;
  readonly severity: FindingSeverity;
  /** Path inside the skill, `/`-separated. */
  readonly file: string;
  /** 1-based; 0 when the finding is about the whole file. */
  readonly line: number;
  readonly excerpt: string;
  /** Why, in words an operator can act on. */
  readonly reason: string;
}

export interface SkillScan {
  readonly verdict: Verdict;
  readonly findings: readonly SkillFinding[];
  readonly files: number;
  readonly bytes: number;
}
