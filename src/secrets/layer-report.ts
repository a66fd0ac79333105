/** What the secrets room reports to the layer catalogue: L06 (the vault) and L07 (per-agent scopes). */
import type { LayerReporter } from '../core/index.js';

export function secretLayers(scopes: ReadonlyMap<string, readonly string[]>): LayerReporter {
  const agents = [...scopes.keys()].filter((id) => !id.startsWith('daemon:')).length;
  return {
    name: 'secrets',
    layers: () => [
      {
        id: 'L06',
        state: 'on',
        reason:
          'secrets encrypted at rest (AES-256-GCM, HKDF-SHA256 per record) in vault.db; no enumeration for agents',
      },
      {
        id: 'L07',
        state: 'on',
        reason: `per-agent secret globs (agents[].secrets, ${agents} agent(s)), deny by default; every access audited as secret:accessed`,
      },
    ],
  };
}
