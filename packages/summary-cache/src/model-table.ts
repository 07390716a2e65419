import * as openaiModels from 'gpt-tokenizer/models.gen';
import type { ContextWindows } from './types';

/**
 * Windows for models gpt-tokenizer's table does not cover, by prefix. Anthropic's documented standard window
 * (200k; the 1M beta needs a header, so a gateway that uses it sets `contextWindows`) and Gemini's.
 */
export const BUILTIN_CONTEXT_WINDOWS: Readonly<ContextWindows> = Object.freeze({
  'claude-': 200_000,
  'gemini-1.5-pro': 2_097_152,
  'gemini-': 1_048_576,
});

export const DEFAULT_CONTEXT_WINDOW = 128_000;

/** OpenAI's windows from gpt-tokenizer's generated model table (name -> context_window). */
function openaiWindows(): ContextWindows {
  const out: ContextWindows = {};
  for (const [name, spec] of Object.entries(openaiModels as Record<string, unknown>)) {
    const window = (spec as { context_window?: unknown } | undefined)?.context_window;
    if (typeof window === 'number' && window > 0) out[name] = window;
  }
  return out;
}

function lookup(table: ContextWindows, model: string): number | undefined {
  const exact = table[model];
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (model.startsWith(name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : table[best];
}

/**
 * A model's window: the configured table first (exact, then longest prefix), then gpt-tokenizer's OpenAI table,
 * then the built-in prefixes, then the default. A fine-tune (`ft:gpt-4o-mini:org::id`) gets its base model's.
 */
export function createWindowTable(
  overrides: ContextWindows = {},
  fallback = DEFAULT_CONTEXT_WINDOW,
): (model: string) => number {
  for (const [name, window] of Object.entries(overrides)) {
    if (!Number.isSafeInteger(window) || window <= 0) {
      throw new Error(`contextWindows.${name} must be a positive integer (got ${String(window)})`);
    }
  }
  const openai = openaiWindows();
  const memo = new Map<string, number>();
  return (model) => {
    let window = memo.get(model);
    if (window === undefined) {
      const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
      window =
        lookup(overrides, model) ?? lookup(openai, base) ?? lookup(BUILTIN_CONTEXT_WINDOWS, base) ?? fallback;
      // Bounded: model names come from requests, so an attacker could otherwise grow the map without end.
      if (memo.size < 1000) memo.set(model, window);
    }
    return window;
  };
}
