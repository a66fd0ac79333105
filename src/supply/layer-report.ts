/** Supply-chain layers as this build has them: L24 scans skills and MCP tool definitions; L25 screens MCP packages. */
import { staticReporter, type GateReport, type LayerReporter } from '../core/index.js';
import { loadIndex } from './osv/advisory-index.js';
import { DEFAULT_MAX_INDEX_AGE_DAYS, indexAgeDays } from './osv/screen.js';

export interface SupplyLayerOptions {
  /** Where the advisory index lives; without it L25 is reported from the build alone. */
  readonly dataDir?: string;
  readonly maxIndexAgeDays?: number;
  readonly now?: Date;
}

/** L25's state: on with a fresh index; degraded (every package start refused) without one or with a stale one. */
function l25(options: SupplyLayerOptions): GateReport {
  if (options.dataDir === undefined)
    return { id: 'L25', state: 'degraded', reason: 'no data dir to read the advisory index from' };
  const index = loadIndex(options.dataDir);
  if (!index.ok)
    return {
      id: 'L25',
      state: 'degraded',
      reason: `fail closed: MCP servers started from a package are refused — ${index.error.message}`,
    };
  const maxAge = options.maxIndexAgeDays ?? DEFAULT_MAX_INDEX_AGE_DAYS;
  const age = indexAgeDays(index.value, options.now ?? new Date());
  if (!(age <= maxAge))
    return {
      id: 'L25',
      state: 'degraded',
      reason: `fail closed: the advisory index is ${Number.isFinite(age) ? Math.floor(age) : '?'} days old (supply.maxIndexAgeDays ${maxAge}); new package starts are refused until bulwark supply update --from … refreshes it`,
    };
  return {
    id: 'L25',
    state: 'on',
    reason: `every MCP server started from a package is pinned and its whole lockfile tree checked against the offline index (${Object.keys(index.value.entries).length} listed packages, built ${index.value.builtAt}) before every start; bulwark installs such packages itself (scripts disabled, sandboxed, network only a broker session to supply.registry); a listed, unpinned or typosquat package never starts`,
  };
}

export function supplyLayers(options: SupplyLayerOptions = {}): LayerReporter {
  const base = staticReporter('supply', [
    {
      id: 'L24',
      state: 'on',
      reason:
        'every file of a skill (folder or archive, unpacked with caps) is scanned on `bulwark skills add` and `bulwark skills scan`; a blocked skill is not installed unless the operator overrides it by name; installed skills are read-only, bound read-only at /skills in exec, and reach the model only as external content; MCP tool descriptions and schemas get the same checks plus shadowing and hash pins (a changed tool is disabled)',
    },
  ]);
  // Read on every report: the index can be refreshed (or go stale) while the daemon runs.
  return { name: base.name, layers: () => [...base.layers(), l25(options)] };
}
