/**
 * The usage a provider reported for one call, however many times it reported it. Each direction keeps the largest
 * figure of any report: a stream that reports 9999 output tokens and then 0 has not undone the first report, and a
 * count that only grows (Anthropic's) ends at its last value all the same. A figure that is not a count (negative,
 * NaN, infinite, not a number at all) is read as 0 and does not lower an earlier one.
 */
export function usageCount(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 1e12) : 0;
}

export class ReportedUsage {
  input = 0;
  output = 0;

  add(inputTokens: unknown, outputTokens: unknown): void {
    this.input = Math.max(this.input, usageCount(inputTokens));
    this.output = Math.max(this.output, usageCount(outputTokens));
  }
}
