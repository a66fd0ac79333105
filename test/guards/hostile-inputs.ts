/**
 * Hostile repetitions for the L02 output guard: the prefix of a secret format (or a piece of its
 * structure) repeated with the glue characters its body accepts, so that every repetition is a new
 * place where a match may start and may run on through the following repetitions. Shared by the unit
 * tests (each must finish with a bounded number of findings) and the output bench (timings).
 */
export interface HostileInput {
  readonly name: string;
  /** The repeated unit. */
  readonly unit: string;
}

export const HOSTILE_UNITS: readonly HostileInput[] = [
  { name: 'pem header', unit: '-----BEGIN PRIVATE KEY-----' },
  { name: 'pem header + newline', unit: '-----BEGIN RSA PRIVATE KEY-----\n' },
  { name: 'pem header + body', unit: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-' },
  { name: 'jwt eyJ-', unit: 'eyJ-' },
  { name: 'jwt eyJ', unit: 'eyJ' },
  { name: 'jwt segments', unit: 'eyJhbGciOiJIUzI1NiJ9.eyJ' },
  { name: 'jwt eyJ_', unit: 'eyJ_' },
  { name: 'facebook EAA', unit: 'EAA' },
  { name: 'facebook EAA-', unit: 'EAA-' },
  { name: '1password ops_eyJ', unit: 'ops_eyJ' },
  { name: '1password ops_eyJ/', unit: 'ops_eyJ/' },
  { name: 'atlassian ATATT3-', unit: 'ATATT3-' },
  { name: 'atlassian ATATT3=', unit: 'ATATT3=' },
  { name: 'vault hvs.', unit: 'hvs.' },
  { name: 'vault hvs.-', unit: 'hvs.-' },
  { name: 'bedrock ABSK/', unit: 'ABSK/' },
  { name: 'bedrock ABSK+', unit: 'ABSK+' },
  { name: 'openai sk-proj-', unit: 'sk-proj-' },
  { name: 'openai sk-', unit: 'sk-' },
  { name: 'anthropic sk-ant-api03-', unit: 'sk-ant-api03-' },
  { name: 'github ghp_', unit: 'ghp_' },
  { name: 'github_pat_', unit: 'github_pat_' },
  { name: 'gitlab glpat-', unit: 'glpat-' },
  { name: 'slack xoxb-', unit: 'xoxb-12345678-' },
  { name: 'stripe sk_live_', unit: 'sk_live_' },
  { name: 'aws AKIA', unit: 'AKIA' },
  { name: 'age key', unit: 'AGE-SECRET-KEY-1' },
  { name: 'authorization', unit: 'Authorization:' },
  { name: 'authorization bearer', unit: 'Authorization: Bearer ' },
  { name: 'authorization placeholder', unit: 'Authorization:xxxx' },
  { name: 'api key header', unit: 'x-api-key: ' },
  { name: 'assignment a=', unit: 'a=' },
  { name: 'assignment password=', unit: 'password=' },
  { name: 'assignment token: ', unit: 'token: ' },
  { name: 'url credentials', unit: 'a://a:' },
  { name: 'cli user', unit: ' -u a:' },
  { name: 'base64 run', unit: 'QUJD' },
  // Aimed at the system-prompt check: the short words every prompt has ("a", "to"), as words, spelled out letter
  // by letter, as hex and as character codes — each a vocabulary word at every position, none a shingle.
  { name: 'prompt words a to', unit: 'a to ' },
  { name: 'prompt word spelled a.', unit: 'a.' },
  { name: 'prompt words spelled t-o-', unit: 't-o-' },
  { name: 'prompt word hex 61 20', unit: '61 20 ' },
  { name: 'prompt word char codes 97,32,', unit: '97,32,' },
];

/** `unit` repeated to exactly `size` characters. */
export function hostile(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}
