/**
 * L07 scoped secret manager: a decorator over any SecretReader that lets one agent read only the
 * names its glob allow-list covers (deny by default) and audits every access with its outcome.
 */
import { bulwarkError, type BulwarkError, type EventBus, err, type Result } from '../core/index.js';
import './events.js';
import type { SecretAccessOutcome } from './events.js';
import { anyGlobMatches, isReservedSecretName, RESERVED_SECRET_PREFIX } from './glob.js';
import type { AccessContext, SecretReader } from './types.js';

export function createScopedSecrets(
  store: SecretReader,
  agentId: string,
  globs: readonly string[],
  bus: EventBus,
): SecretReader {
  const allow = [...globs];
  const audit = (name: string, outcome: SecretAccessOutcome, ctx: AccessContext | undefined, reason?: string) =>
    bus.emit('secret:accessed', {
      layer: 'L07',
      agentId,
      sessionId: ctx?.sessionId,
      traceId: ctx?.traceId,
      secretName: name.slice(0, 128),
      outcome,
      ...(reason ? { reason } : {}),
    });

  return {
    get(name: string, ctx?: AccessContext): Result<string, BulwarkError> {
      if (isReservedSecretName(name)) {
        audit(name, 'denied', ctx, 'reserved name');
        return err(
          bulwarkError(
            'secret.reserved',
            `secret "${name.slice(0, 128)}" is bulwark's own (names starting with ${RESERVED_SECRET_PREFIX} are reserved); no agent may read it`,
            { layer: 'L07', status: 403 },
          ),
        );
      }
      if (!anyGlobMatches(allow, name)) {
        audit(name, 'denied', ctx, 'not in the agent allow-list');
        return err(
          bulwarkError(
            'secret.denied',
            `agent "${agentId}" may not read secret "${name.slice(0, 128)}"; to allow it, add it to agents[${agentId}].secrets in config`,
            { layer: 'L07', status: 403 },
          ),
        );
      }
      const r = store.get(name, { ...ctx, agentId });
      if (r.ok) audit(name, 'success', ctx);
      else audit(name, r.error.code === 'secret.not_found' ? 'not_found' : 'error', ctx, r.error.code);
      return r;
    },
  };
}
