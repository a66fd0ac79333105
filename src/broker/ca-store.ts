/** Where the broker CA lives. In the daemon: the vault (the key never touches disk in clear). */
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { CaMaterial } from './ca.js';

export interface CaKeyStore {
  /** ok(undefined) when no CA has been stored yet. */
  load(): Result<CaMaterial | undefined, BulwarkError>;
  save(ca: CaMaterial): Result<void, BulwarkError>;
}

export const BROKER_CA_SECRET = 'BULWARK_BROKER_CA';

/** The vault's shape as the broker needs it (the secrets room's Vault fits). */
export interface SecretVaultLike {
  has(name: string): boolean;
  get(name: string): Result<string, BulwarkError>;
  set(name: string, value: string): Result<void, BulwarkError>;
}

export function vaultCaStore(vault: SecretVaultLike, name = BROKER_CA_SECRET): CaKeyStore {
  return {
    load() {
      if (!vault.has(name)) return ok(undefined);
      const r = vault.get(name);
      if (!r.ok) return r;
      try {
        const v = JSON.parse(r.value) as Partial<CaMaterial>;
        if (typeof v.certPem !== 'string' || typeof v.keyPem !== 'string') throw new Error('missing fields');
        return ok({ certPem: v.certPem, keyPem: v.keyPem });
      } catch (cause) {
        return err(
          bulwarkError(
            'broker.ca_corrupt',
            `the vault entry ${name} is not a broker CA (${describeCause(cause)}); delete it to have a new one created`,
            { layer: 'L08' },
          ),
        );
      }
    },
    save(ca) {
      return vault.set(name, JSON.stringify({ certPem: ca.certPem, keyPem: ca.keyPem }));
    },
  };
}

/** For tests and benchmarks: the CA lives as long as the process. */
export function memoryCaStore(initial?: CaMaterial): CaKeyStore {
  let held = initial;
  return {
    load: () => ok(held),
    save: (ca) => {
      held = ca;
      return ok(undefined);
    },
  };
}
