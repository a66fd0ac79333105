/** Requests to log, print or send credentials and other secrets. */
import type { PatternDef } from './types.js';

export const CREDENTIAL_LOGGING: PatternDef[] = [
  {
    id: 'credential.disclose',
    family: 'credential_logging',
    anchors: [
      'api*',
      'access*',
      'credentials',
      'secret*',
      'private*',
      'env*',
      '.env',
      'ssh*',
      'auth*',
      'session*',
      'bearer*',
    ],
    description: 'log/print/send + API keys, tokens, credentials, env',
    regex:
      /\b(?:log|print|send|post|upload|save|write|output|dump|forward|e-?mail|share|leak|exfiltrate|reveal|display|list|show|include|append|attach|tell)\b[^.\n]{0,40}?\b(?:api[\s_-]?keys?|access[\s_-]?tokens?|credentials|secret[\s_-]?keys?|private[\s_-]?keys?|env(?:ironment)?\s+variables|\.env\b|ssh\s+keys?|auth(?:orization)?\s+(?:headers?|tokens?)|session\s+(?:cookies?|tokens?)|bearer\s+tokens?|aws_secret_access_key|openai_api_key)/,
    weight: 0.55,
    severity: 'warning',
  },
  {
    id: 'credential.read_files',
    family: 'credential_logging',
    anchors: ['/.ssh/', '/.aws/', '/.netrc', '/.npmrc', '/.docker/', '/.kube/', '/etc/shadow', 'printenv', 'env'],
    description: 'reads well-known credential files',
    regex:
      /(?:~|\$home|\/root|\/home\/[a-z0-9_-]{1,32})\/\.(?:ssh\/id_[a-z0-9]{2,10}|aws\/credentials|netrc|npmrc|docker\/config\.json|kube\/config)|\/etc\/shadow\b|\bprintenv\b|\benv\s*\|\s*(?:curl|nc|base64)/,
    weight: 0.6,
    severity: 'critical',
  },
];
