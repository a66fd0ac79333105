/** Supply-chain layers as this build has them: L24 scans skills and MCP tool definitions; L25 is not built yet. */
import { staticReporter, type LayerReporter } from '../core/index.js';

export function supplyLayers(): LayerReporter {
  return staticReporter('supply', [
    {
      id: 'L24',
      state: 'on',
      reason:
        'every file of a skill is scanned on `bulwark skills add` (and `bulwark skills scan`); a blocked skill is not installed unless the operator overrides it by name; installed skills are read-only',
    },
  ]);
}
