/**
 * From facts to findings: each fact kind maps to its rule, and some facts only mean harm together — credentials or
 * the environment read *and* data sent anywhere is exfiltration; a script contacting a host the skill never names
 * is a description mismatch. Severities: critical when the effect is harmful on its face (remote code run from a
 * bare IP, a reverse shell, a decoded payload that runs or sends, persistence that fetches code), a warning when a
 * legitimate skill could do it (a vendor installer piped into a shell, reading an SSH config, a cron job).
 */
import type { Fact, FindingSeverity, SkillFinding, SkillRule } from './types.js';

const SEVERE_PRIVILEGE = /sudoers|setuid|preload|accounts|pam|privileged group|Administrators|NOPASSWD|os\.set/i;

function hostText(f: Fact): string {
  return f.host ? ` (${f.host})` : '';
}

export function findingsFromFacts(facts: readonly Fact[], skillText: string): SkillFinding[] {
  const out: SkillFinding[] = [];
  const push = (f: Fact, rule: SkillRule, severity: FindingSeverity, reason: string) =>
    out.push({ rule, severity, file: f.file, line: f.line, excerpt: f.excerpt, reason });

  const sends = facts.filter((f) => f.kind === 'net.send' || f.kind === 'net.socket' || f.kind === 'net.dns-exfil');
  const secrets = facts.filter((f) => f.kind === 'cred.read' || f.kind === 'env.dump');
  const fileReaders = new Set(facts.filter((f) => f.kind === 'files.read').map((f) => f.file));

  for (const f of facts) {
    const bad = f.hostKind === 'ip' || f.hostKind === 'collector';
    switch (f.kind) {
      case 'exec.remote': {
        const critical = bad || f.insecure === true || f.hidden === true || f.decoded === true;
        push(
          f,
          'skill.fetch-execute',
          critical ? 'critical' : 'warning',
          `runs code it downloads${hostText(f)}${f.insecure ? ' over plain http' : ''}${f.hidden ? ', hidden' : ''}`,
        );
        break;
      }
      case 'exec.decoded':
        push(
          f,
          'skill.obfuscated-exec',
          'critical',
          `runs code that only exists after decoding: ${f.detail ?? 'decoded data'}`,
        );
        break;
      case 'exec.dynamic':
        push(
          f,
          'skill.obfuscated-exec',
          f.decoded ? 'critical' : 'warning',
          `evaluates code built at run time: ${f.detail ?? ''}`,
        );
        break;
      case 'reverse-shell':
        push(f, 'skill.reverse-shell', 'critical', `gives a remote peer a shell${hostText(f)}`);
        break;
      case 'net.dns-exfil':
        push(f, 'skill.exfiltration', 'critical', 'smuggles data out in DNS names built at run time');
        break;
      case 'cred.read':
        push(f, 'skill.credential-access', f.decoded ? 'critical' : 'warning', `reads ${f.detail ?? 'credentials'}`);
        break;
      case 'env.dump':
        push(
          f,
          'skill.env-harvest',
          'warning',
          `captures ${f.detail ?? 'the whole environment'} (every API key in it)`,
        );
        break;
      case 'persist.write':
        push(
          f,
          'skill.persistence',
          f.armed || f.decoded ? 'critical' : 'warning',
          `writes something the host runs later: ${f.detail ?? ''}${f.armed ? ', and it fetches or runs code' : ''}`,
        );
        break;
      case 'priv.escalate':
        push(
          f,
          'skill.privilege-escalation',
          SEVERE_PRIVILEGE.test(`${f.detail ?? ''} ${f.excerpt}`) || f.armed ? 'critical' : 'warning',
          `raises privileges: ${f.detail ?? ''}`,
        );
        break;
      case 'install-hook':
        push(
          f,
          'skill.install-hook',
          f.armed ? 'critical' : 'warning',
          `${f.detail ?? 'an install hook'} runs code when the package is installed${f.armed ? ', and it fetches or runs code' : ''}`,
        );
        break;
      case 'net.send':
      case 'net.socket':
        if (bad) {
          const withFiles = fileReaders.has(f.file) || f.decoded === true;
          push(
            f,
            'skill.exfiltration',
            withFiles ? 'critical' : 'warning',
            `sends data to ${f.hostKind === 'ip' ? 'a bare IP address' : 'a request collector or paste service'}${hostText(f)}${withFiles ? ' after reading local files' : ''}`,
          );
        }
        break;
      default:
        break;
    }
    if (f.decoded && f.kind !== 'files.read' && f.kind !== 'net.get')
      push(f, 'skill.encoded-payload', 'critical', `an encoded payload that, decoded, ${describeKind(f)}`);
  }

  // Secrets read and data sent, anywhere in the skill: exfiltration.
  const send = sends[0];
  const secret = secrets[0];
  if (send && secret)
    push(
      send,
      'skill.exfiltration',
      'critical',
      `sends data out${hostText(send)} and reads ${secret.detail ?? 'secrets'} (${secret.file}:${secret.line})`,
    );

  // Hosts the scripts contact that the skill never names.
  const text = skillText.toLowerCase();
  const reported = new Set<string>();
  for (const f of facts) {
    if (!f.host || f.hostKind === 'dynamic' || !/^net\.|^exec\.remote$/.test(f.kind) || reported.has(f.host)) continue;
    const labels = f.host.split('.');
    const domain = f.hostKind === 'ip' ? f.host : labels.slice(-2).join('.');
    const brand = f.hostKind === 'ip' ? f.host : (labels[labels.length - 2] ?? f.host);
    if (text.includes(domain) || (brand.length >= 4 && text.includes(brand))) continue;
    reported.add(f.host);
    push(
      f,
      'skill.description-mismatch',
      'warning',
      `contacts ${f.host}, which the skill's description and instructions never mention`,
    );
  }
  return out;
}

function describeKind(f: Fact): string {
  switch (f.kind) {
    case 'exec.remote':
      return 'downloads and runs code';
    case 'exec.decoded':
    case 'exec.dynamic':
      return 'evaluates more code';
    case 'net.send':
    case 'net.socket':
      return 'sends data over the network';
    case 'cred.read':
      return 'reads credentials';
    case 'env.dump':
      return 'captures the environment';
    case 'persist.write':
      return 'writes a file the host runs later';
    case 'reverse-shell':
      return 'opens a reverse shell';
    default:
      return f.kind;
  }
}
