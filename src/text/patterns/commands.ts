/** Dangerous shell commands asked for in text (the exec room parses commands itself; this is the text signal). */
import type { PatternDef } from './types.js';

export const DANGEROUS_COMMANDS: PatternDef[] = [
  {
    id: 'command.rm_rf_root',
    family: 'dangerous_command',
    anchors: ['rm'],
    description: 'recursive forced delete of /, ~ or *',
    regex:
      /\brm\s+(?:-[a-z]{0,4}r[a-z]{0,4}f?|-[a-z]{0,4}f[a-z]{0,4}r|--recursive|-r\s+-f|-f\s+-r)\s+(?:--no-preserve-root\s)?(?:\/(?:\s|\*|$)|~|\*|\$home)/,
    weight: 0.7,
    severity: 'critical',
  },
  {
    id: 'command.fork_bomb',
    family: 'dangerous_command',
    anchors: [':'],
    description: 'shell fork bomb',
    regex: /:\s?\(\s?\)\s?\{\s?:\s?\|\s?:\s?&\s?\}\s?;\s?:/,
    weight: 0.8,
    severity: 'critical',
  },
  {
    id: 'command.disk_wipe',
    family: 'dangerous_command',
    anchors: ['mkfs*', 'dd'],
    requires: [['of=/dev/', ' /dev/', '\n/dev/', '\t/dev/', '\r/dev/']],
    description: 'mkfs or dd onto a block device',
    regex: /\bmkfs\.?[a-z0-9]{0,8}\s+\/dev\/|\bdd\s+[^\n]{0,80}\bof=\/dev\/(?:sd|nvme|hd|vd|xvd|mmcblk|disk)/,
    weight: 0.7,
    severity: 'critical',
  },
  {
    id: 'command.reverse_shell',
    family: 'dangerous_command',
    anchors: ['/dev/tcp/', 'nc', 'ncat', 'netcat', 'bash', 'socat'],
    description: 'reverse shell idioms',
    regex:
      /\/dev\/tcp\/|\b(?:nc|ncat|netcat)\b[^\n]{0,60}\s-[a-z]{0,3}e\s|\bbash\s+-i\s+>&|\bsocat\b[^\n]{0,60}\bexec:/,
    weight: 0.75,
    severity: 'critical',
  },
  {
    id: 'command.chmod_world',
    family: 'dangerous_command',
    anchors: ['chmod'],
    description: 'world-writable permissions on system paths',
    regex: /\bchmod\s+(?:-r\s)?(?:0?777|a\+rwx)\s+\/(?:\s|$|etc|usr|bin|var|home)/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'command.history_wipe',
    family: 'dangerous_command',
    anchors: ['history', 'shred', '/var/log', 'histfile'],
    description: 'destroys shell history or logs',
    regex: /\b(?:history\s+-c|shred\s+[^\n]{0,40}\/var\/log|>\s?\/var\/log\/|unset\s+histfile)\b/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'command.run_shell_request',
    family: 'dangerous_command',
    anchors: ['root', 'sudo', 'asking', 'confirmation', 'approval'],
    description: 'asks the agent to run an arbitrary shell command',
    regex:
      /\b(?:run|execute|exec)\b[^.\n]{0,20}?\b(?:this|the following|these)\s+(?:shell\s|bash\s|terminal\s)?(?:commands?|scripts?|code)\b[^.\n]{0,20}?\b(?:as root|with sudo|without (?:asking|confirmation|approval))/,
    weight: 0.5,
    severity: 'warning',
  },
];
