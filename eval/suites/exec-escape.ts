/**
 * L11 escape matrix: every attempt of test/escape/attempts.ts run against real bwrap through the
 * exec runner (all six layers); each must be blocked, and the matrix says what stopped it.
 */
import { markdownTable, type Suite } from '../harness.js';
import { ATTEMPTS, makeEscapeContext, type EscapeContext } from '../../test/escape/attempts.js';
import { EFFECT_ATTEMPTS, makeEffectContext } from '../../test/escape/effect-attempts.js';

const suite: Suite = {
  name: 'exec-escape',
  async run() {
    let ctx: EscapeContext;
    try {
      ctx = makeEscapeContext();
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : 'unknown error';
      return {
        name: 'exec-escape',
        markdown: `No sandbox on this host: ${why}`,
        data: { error: why },
        checks: [{ name: 'attempts_blocked', value: 0, min: ATTEMPTS.length }],
      };
    }
    const rows: string[][] = [];
    let blocked = 0;
    try {
      for (const a of ATTEMPTS) {
        const r = await a.run(ctx);
        if (!r.escaped) blocked++;
        rows.push([
          a.name,
          a.expected,
          r.escaped ? 'ESCAPED' : 'blocked',
          r.why.replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 300),
        ]);
      }
    } finally {
      ctx.close();
    }
    // The same matrix for exec effects (L11.7), the quota (L11.8) and the sandbox identity, on copy-on-write views.
    let fx: EscapeContext | undefined;
    try {
      fx = makeEffectContext();
      for (const a of EFFECT_ATTEMPTS) {
        const r = await a.run(fx);
        if (!r.escaped) blocked++;
        rows.push([
          a.name,
          a.expected,
          r.escaped ? 'ESCAPED' : 'blocked',
          r.why.replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 300),
        ]);
      }
    } catch (cause) {
      rows.push([
        'exec effects attempts',
        'blocked',
        'NOT RUN',
        cause instanceof Error ? cause.message : String(cause),
      ]);
    } finally {
      fx?.close();
    }
    const total = ATTEMPTS.length + EFFECT_ATTEMPTS.length;
    const d = ctx.service.detection;
    const markdown = [
      `Sandbox: ${ctx.runner.mode}; L11 ${ctx.service.layer.state}. seccomp: ${d.seccomp.available ? 'on' : 'off'}; process limit: ${d.cgroup.available ? 'cgroup' : 'none'}; Landlock: ${d.landlock.reason}`,
      '',
      markdownTable(['attempt', 'expected', 'result', 'why'], rows),
      '',
      `${blocked}/${total} attempts blocked.`,
    ].join('\n');
    return {
      name: 'exec-escape',
      markdown,
      data: { rows, blocked, total },
      checks: [{ name: 'attempts_blocked', value: blocked, min: total }],
    };
  },
};

export default suite;
