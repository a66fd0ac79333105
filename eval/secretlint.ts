/**
 * secretlint (devDependency) with its recommended preset, the peer the secrets suites run side by side.
 * secretlint's profiler keeps every performance mark of the process and searches them on each new one,
 * so thousands of calls grow quadratic (minutes for the 4,500 items of secret-families). Its marks go
 * to a no-op here; nothing of secretlint's result depends on them.
 */
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';

(secretLintProfiler as unknown as { perf: { mark(): void; measure(): void } }).perf = {
  mark: () => undefined,
  measure: () => undefined,
};

export interface SecretlintMessage {
  readonly ruleId: string;
  readonly range: readonly [number, number];
}

export async function secretlint(text: string): Promise<readonly SecretlintMessage[]> {
  const result = await lintSource({
    source: { content: text, filePath: 'item.txt', ext: '.txt', contentType: 'text' },
    options: {
      config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }] },
      noPhysicFilePath: true,
    },
  });
  return result.messages.map((m) => ({ ruleId: m.ruleId, range: [m.range[0], m.range[1]] as const }));
}
