import { describe, expect, it } from 'vitest';
import { planSampling } from '../../src/agent/sampling.js';
import { isOpenAIReasoningModel, samplingRulesFor } from '../../src/agent/provider-sampling.js';
import { AgentLimitsSchema, DEFAULT_AGENT_LIMITS } from '../../src/config/sections/agent-limits.js';

const OPENAI = samplingRulesFor('openai');
const ANTHROPIC = samplingRulesFor('anthropic');

describe('client sampling within agents[].limits', () => {
  it('passes what is in range, clamps what is not and names every change', () => {
    const limits = AgentLimitsSchema.parse({ temperature: { min: 0.2, max: 1 }, topP: { min: 0.5, max: 1 } });
    const p = planSampling(limits, 4096, { temperature: 1.7, topP: 0.1, seed: 1 }, 9000, OPENAI);
    expect(p.sampling).toEqual({ temperature: 1, topP: 0.5, seed: 1 });
    expect(p.maxTokens).toBe(4096);
    expect(p.clamped).toEqual(['temperature=1.7>1', 'top_p=0.1>0.5', 'max_tokens=9000>4096']);
  });

  it('drops parameters the operator turned off and shortens stop lists', () => {
    const off = AgentLimitsSchema.parse({ stop: false, seed: false });
    expect(planSampling(off, 100, { stop: ['a'], seed: 3 }, undefined, OPENAI)).toEqual({
      sampling: {},
      maxTokens: 100,
      clamped: ['stop>dropped', 'seed>dropped'],
      ignored: [],
    });
    const many = planSampling(
      DEFAULT_AGENT_LIMITS,
      100,
      { stop: ['1', '2', '3', '4', '5', 'x'.repeat(100)] },
      50,
      OPENAI,
    );
    expect(many.sampling.stop).toEqual(['1', '2', '3', '4']);
    expect(many.maxTokens).toBe(50);
    expect(many.clamped).toEqual(['stop>shortened']);
  });

  it('nothing asked, nothing changed: the agent defaults', () => {
    expect(planSampling(DEFAULT_AGENT_LIMITS, 777, undefined, undefined, OPENAI)).toEqual({
      sampling: {},
      maxTokens: 777,
      clamped: [],
      ignored: [],
    });
  });

  it('refuses an inverted range in config with a message', () => {
    const r = AgentLimitsSchema.safeParse({ temperature: { min: 1, max: 0.5 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('min must be <= max');
  });
});

describe('client sampling within what the provider takes', () => {
  it('Anthropic: temperature within 0–1, no seed or penalties, and never temperature with top_p', () => {
    const p = planSampling(
      DEFAULT_AGENT_LIMITS,
      4096,
      { temperature: 1.8, topP: 0.9, seed: 7, presencePenalty: 0.5, frequencyPenalty: 0, stop: ['END'] },
      undefined,
      ANTHROPIC,
    );
    expect(p.sampling).toEqual({ temperature: 1, stop: ['END'] });
    expect(p.clamped).toEqual(['temperature=1.8>1', 'top_p>dropped']);
    expect(p.ignored).toEqual(['presence_penalty', 'frequency_penalty', 'seed']);
  });

  it('Anthropic: top_p alone passes; the provider range holds even when the operator allows more', () => {
    expect(planSampling(DEFAULT_AGENT_LIMITS, 10, { topP: 0.4 }, undefined, ANTHROPIC).sampling).toEqual({ topP: 0.4 });
    const wide = AgentLimitsSchema.parse({ temperature: { min: 1.5, max: 2 } });
    const p = planSampling(wide, 10, { temperature: 0.2 }, undefined, ANTHROPIC);
    expect(p.sampling).toEqual({ temperature: 1 });
    expect(p.clamped).toEqual(['temperature=0.2>1']);
  });

  it('OpenAI: temperature up to 2 with top_p, seed and penalties, nothing named', () => {
    const asked = { temperature: 1.8, topP: 0.9, seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 };
    const p = planSampling(DEFAULT_AGENT_LIMITS, 10, asked, undefined, OPENAI);
    expect(p.sampling).toEqual(asked);
    expect(p.clamped).toEqual([]);
    expect(p.ignored).toEqual([]);
  });

  it("OpenAI's reasoning models: no temperature, top_p or penalty is sent, each named; seed and stop pass", () => {
    const asked = { temperature: 0.2, topP: 0.9, seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5, stop: ['X'] };
    const p = planSampling(DEFAULT_AGENT_LIMITS, 10, asked, undefined, samplingRulesFor('openai', 'o3-mini'));
    expect(p.sampling).toEqual({ seed: 7, stop: ['X'] });
    expect(p.ignored).toEqual(['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']);
  });

  it('tells reasoning models by their documented names, with or without a router prefix', () => {
    for (const m of [
      'o1',
      'o1-mini',
      'o3',
      'o3-mini-2025-01-31',
      'o4-mini',
      'gpt-5',
      'gpt-5-mini',
      'gpt-5.1',
      'openai/o3',
    ])
      expect(isOpenAIReasoningModel(m), m).toBe(true);
    for (const m of ['gpt-4.1', 'gpt-4o', 'gpt-5-chat-latest', 'llama3.1', 'o10', 'oz', 'qwen3:o3', 'mistral-o1x', ''])
      expect(isOpenAIReasoningModel(m), m).toBe(false);
  });
});
