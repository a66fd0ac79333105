/** What the logging room reports to the layer catalogue: L09 on bulwark.log and audit.jsonl. */
import type { LayerReporter } from '../core/index.js';
import { MAX_LINE_CHARS } from './sanitize.js';

export function logLayers(): LayerReporter {
  return {
    name: 'logging',
    layers: () => [
      {
        id: 'L09',
        state: 'on',
        reason: `bulwark.log and audit.jsonl: field-path redaction, secret formats, known secret values as they are used, ${MAX_LINE_CHARS / (1024 * 1024)} MB line cap`,
      },
    ],
  };
}
