import { contentText } from './tokens';
import type { ChatMessage, ChatProvider } from './types';

/** Opens the summary message, so the model (and a reader of logs) knows what it is. */
export const SUMMARY_HEADER = 'Summary of the earlier part of this conversation (condensed by the gateway):';

function blocksOf(content: unknown): Array<{ type?: unknown; [k: string]: unknown }> {
  return Array.isArray(content) ? (content as Array<{ type?: unknown }>) : [];
}

function hasBlock(m: ChatMessage | undefined, type: string): boolean {
  return m !== undefined && blocksOf(m.content).some((b) => b && b.type === type);
}

/** OpenAI system and developer messages are instructions: never condensed. */
export function isInstruction(provider: ChatProvider, m: ChatMessage): boolean {
  return provider === 'openai' && (m.role === 'system' || m.role === 'developer');
}

/**
 * Whether a message belongs to the one before it, so no cut may fall between them: OpenAI `tool` / `function`
 * results after their call, an Anthropic user message of `tool_result` blocks after the `tool_use` message.
 */
export function attachedToPrevious(
  provider: ChatProvider,
  m: ChatMessage,
  previous: ChatMessage | undefined,
): boolean {
  if (provider === 'openai') return m.role === 'tool' || m.role === 'function';
  return (
    m.role === 'user' &&
    hasBlock(m, 'tool_result') &&
    previous?.role === 'assistant' &&
    hasBlock(previous, 'tool_use')
  );
}

function renderBlock(b: { type?: unknown; [k: string]: unknown }): string {
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' ? b.text : '';
    case 'tool_use':
      return `[tool call ${String(b.name)} ${JSON.stringify(b.input ?? {})}]`;
    case 'tool_result':
      return `[tool result ${String(b.tool_use_id)}: ${contentText(b.content)}]`;
    case 'image':
    case 'image_url':
      return '[image]';
    default:
      return JSON.stringify(b);
  }
}

function renderMessage(m: ChatMessage): string {
  const parts: string[] = [];
  if (typeof m.content === 'string') parts.push(m.content);
  else for (const b of blocksOf(m.content)) parts.push(renderBlock(b));
  for (const call of (m.tool_calls ?? []) as Array<{
    id?: string;
    function?: { name?: string; arguments?: string };
  }>) {
    parts.push(`[tool call ${call.function?.name ?? '?'} ${call.function?.arguments ?? ''}]`);
  }
  if (m.function_call !== undefined) parts.push(`[function call ${JSON.stringify(m.function_call)}]`);
  const who = m.role === 'tool' ? `tool result ${m.tool_call_id ?? ''}`.trim() : m.role;
  return `${who}: ${parts.join('\n')}`;
}

/** A plain-text transcript of messages: what a summarizer reads, and what a summary's key is made of. */
export function transcript(messages: readonly ChatMessage[]): string {
  return messages.map(renderMessage).join('\n\n');
}

/** The one message that stands for every condensed turn. */
export function summaryMessage(
  provider: ChatProvider,
  summaries: readonly string[],
  role: string,
): ChatMessage {
  const text = `${SUMMARY_HEADER}\n\n${summaries.map((s) => s.trim()).join('\n\n')}`;
  // Anthropic has no system role inside `messages`: a user turn (the API merges consecutive user turns).
  return provider === 'anthropic' ? { role: 'user', content: text } : { role, content: text };
}
