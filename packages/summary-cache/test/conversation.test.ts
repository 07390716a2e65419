import { SUMMARY_HEADER, attachedToPrevious, isInstruction, summaryMessage, transcript } from '../src';

describe('conversation', () => {
  it('treats OpenAI system and developer messages as instructions, never Anthropic ones', () => {
    expect(isInstruction('openai', { role: 'system', content: 'x' })).toBe(true);
    expect(isInstruction('openai', { role: 'developer', content: 'x' })).toBe(true);
    expect(isInstruction('openai', { role: 'user', content: 'x' })).toBe(false);
    expect(isInstruction('anthropic', { role: 'system', content: 'x' })).toBe(false);
  });

  it('attaches OpenAI tool results and Anthropic tool_result turns to their call', () => {
    expect(attachedToPrevious('openai', { role: 'tool', tool_call_id: 'c', content: 'r' }, undefined)).toBe(
      true,
    );
    expect(attachedToPrevious('openai', { role: 'user', content: 'r' }, undefined)).toBe(false);
    const use = { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] };
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }] };
    expect(attachedToPrevious('anthropic', result, use)).toBe(true);
    expect(attachedToPrevious('anthropic', { role: 'user', content: 'hi' }, use)).toBe(false);
  });

  it('renders a transcript with tool calls and results', () => {
    const text = transcript([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '3C' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { a: 1 } }] },
    ]);
    expect(text).toBe(
      'user: weather?\n\nassistant: [tool call weather {"city":"Oslo"}]\n\ntool result c1: 3C\n\nassistant: [tool call f {"a":1}]',
    );
  });

  it('builds one summary message: a user turn for Anthropic, the instruction role for OpenAI', () => {
    expect(summaryMessage('anthropic', ['a', 'b'], 'system')).toEqual({
      role: 'user',
      content: `${SUMMARY_HEADER}\n\na\n\nb`,
    });
    expect(summaryMessage('openai', ['a'], 'developer').role).toBe('developer');
  });
});
