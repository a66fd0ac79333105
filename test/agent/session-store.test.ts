import { describe, expect, it } from 'vitest';
import { repairHistory } from '../../src/agent/session-store.js';
import type { ChatMessage } from '../../src/agent/types.js';

// The store itself (any implementation) is checked by the shared contract suite: test/stores/session-store.contract.ts.

describe('repairHistory', () => {
  it('adds an error result for each tool call left unanswered, in place', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'ls', arguments: '{}' },
          { id: 'b', name: 'read', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'a', name: 'ls', content: 'x' },
      { role: 'user', content: 'again' },
    ];
    const repaired = repairHistory(history);
    expect(
      repaired.map((m) => (m.role === 'tool' ? `tool:${m.toolCallId}:${m.isError ? 'E' : 'ok'}` : m.role)),
    ).toEqual(['user', 'assistant', 'tool:a:ok', 'tool:b:E', 'user']);
  });

  it('untangles two turns that ran at once on one session and drops orphan results', () => {
    const interleaved: ChatMessage[] = [
      { role: 'user', content: 'A' },
      { role: 'user', content: 'B' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a1', name: 'ls', arguments: '{}' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'b1', name: 'read', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'b1', name: 'read', content: 'rb' },
      { role: 'tool', toolCallId: 'a1', name: 'ls', content: 'ra' },
      { role: 'tool', toolCallId: 'ghost', name: 'ls', content: 'orphan' },
    ];
    const repaired = repairHistory(interleaved);
    expect(
      repaired.map((m) =>
        m.role === 'tool'
          ? `tool:${m.toolCallId}:${m.content}`
          : m.role === 'assistant'
            ? `assistant:${m.toolCalls?.[0]?.id}`
            : `user:${m.content}`,
      ),
    ).toEqual(['user:A', 'user:B', 'assistant:a1', 'tool:a1:ra', 'assistant:b1', 'tool:b1:rb']);
  });

  it('pairs reused call ids (some local servers number calls per step) in order', () => {
    const history: ChatMessage[] = [
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'ls', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_0', name: 'ls', content: 'first' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'read', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_0', name: 'read', content: 'second' },
    ];
    expect(repairHistory(history)).toEqual(history);
  });

  it('leaves a complete history unchanged', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'ls', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'a', name: 'ls', content: 'x' },
      { role: 'assistant', content: 'fine' },
    ];
    expect(repairHistory(history)).toEqual(history);
  });
});
