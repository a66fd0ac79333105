/**
 * What each provider kind takes of the client's sampling parameters: the range it accepts, the parameters it has no
 * field for, and combinations it rejects. Applied after the operator's limits, so a client's value never reaches a
 * provider outside what that provider accepts, and every change is named rather than made quietly.
 */
import type { Provider, Sampling } from './types.js';

type Range = { readonly min: number; readonly max: number };

export interface ProviderSamplingRules {
  readonly temperature: Range;
  /** Parameters the provider has no field for: not sent, named in x-bulwark-ignored (wire names). */
  readonly unsupported: ReadonlySet<keyof Sampling>;
  /**
   * The provider rejects a request that sets both temperature and top_p: temperature is kept, top_p dropped.
   * Anthropic's current models (Sonnet 4.5 and later, Haiku 4.5, Opus 4.1) answer 400 to both; its older ones take
   * both but recommend changing one only, so the rule holds for every Anthropic model rather than a list that ages.
   */
  readonly oneOfTemperatureTopP: boolean;
}

const OPENAI: ProviderSamplingRules = {
  temperature: { min: 0, max: 2 },
  unsupported: new Set(),
  oneOfTemperatureTopP: false,
};

const ANTHROPIC: ProviderSamplingRules = {
  temperature: { min: 0, max: 1 },
  unsupported: new Set(['seed', 'presencePenalty', 'frequencyPenalty']),
  oneOfTemperatureTopP: true,
};

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, the gpt-5 family but its chat models) answer 400 to any temperature,
 * top_p or penalty but the default, so none is sent to them; a compatible server's other models take them all.
 */
const OPENAI_REASONING: ProviderSamplingRules = {
  temperature: OPENAI.temperature,
  unsupported: new Set(['temperature', 'topP', 'presencePenalty', 'frequencyPenalty']),
  oneOfTemperatureTopP: false,
};

/** The model's own name: routers name OpenAI's models with a vendor prefix (`openai/o3-mini`). */
const REASONING_MODEL = /^(?:o1|o3|o4-mini|gpt-5(?!-chat))(?:$|[-.])/;

/** True for a model id OpenAI documents as a reasoning model (sampling parameters other than the defaults refused). */
export function isOpenAIReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model.slice(model.lastIndexOf('/') + 1).toLowerCase());
}

export function samplingRulesFor(kind: Provider['kind'], model = ''): ProviderSamplingRules {
  if (kind === 'anthropic') return ANTHROPIC;
  return isOpenAIReasoningModel(model) ? OPENAI_REASONING : OPENAI;
}

/** The OpenAI wire name of a sampling parameter, as the client sent it and as the headers name it. */
export const WIRE_NAME: Readonly<Record<keyof Sampling, string>> = {
  temperature: 'temperature',
  topP: 'top_p',
  stop: 'stop',
  seed: 'seed',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
};
