/**
 * The part of a streamed delta that bulwark neither shows nor keeps, as text for L21 to count: a provider bills
 * reasoning, thinking and refusals as output whether or not anyone reads them, and one that reports no usage must not
 * make them free. Fields known to carry model text count their text only (their name repeats in every chunk); any
 * other field counts its name and its JSON, so output hidden under a name bulwark does not know is counted too.
 */

/** Delta fields whose value is model text (OpenAI-compatible servers' reasoning and refusals, Anthropic's thinking). */
const TEXT_FIELDS = new Set([
  'content',
  'reasoning_content',
  'reasoning',
  'refusal',
  'thinking',
  'text',
  'partial_json',
]);

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** Text of every field of `delta` not in `skip` (null and empty fields are nothing). */
export function unshownText(delta: unknown, skip: ReadonlySet<string>): string {
  if (typeof delta !== 'object' || delta === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(delta)) {
    if (skip.has(key) || value === null || value === undefined || value === '') continue;
    parts.push(TEXT_FIELDS.has(key) ? valueText(value) : `${key} ${valueText(value)}`);
  }
  return parts.join(' ');
}

/**
 * A delta's `content` as the answer: a string as it is; an array of parts (as some compatible servers send) its text
 * parts' text. Anything else a server puts there is not shown but counted, never a failed turn.
 */
export function contentText(content: unknown): { shown: string; unshown: string } {
  if (typeof content === 'string') return { shown: content, unshown: '' };
  if (content === null || content === undefined) return { shown: '', unshown: '' };
  if (!Array.isArray(content)) return { shown: '', unshown: valueText(content) };
  const shown: string[] = [];
  const unshown: string[] = [];
  for (const part of content) {
    const text = typeof part === 'object' && part !== null ? (part as { type?: unknown; text?: unknown }) : undefined;
    if (text?.type === 'text' && typeof text.text === 'string') shown.push(text.text);
    else if (part !== null && part !== undefined && part !== '') unshown.push(valueText(part));
  }
  return { shown: shown.join(''), unshown: unshown.join(' ') };
}
