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
function openaiWindows(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, spec] of Object.entries(openaiModels as Record<string, unknown>)) {
    const window = (spec as { context_window?: unknown } | undefined)?.context_window;
    if (typeof window === 'number' && window > 0) out.set(name, window);
  }
  return out;
}

// Maps, not the objects they come from: the model is the client's, and a lookup of 'constructor' or
// '__proto__' must find nothing rather than Object's members (which once made every window NaN).
function lookup(table: ReadonlyMap<string, number>, model: string): number | undefined {
  const exact = table.get(model);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const name of table.keys()) {
    if (model.startsWith(name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : table.get(best);
}

/** Model names longer than this are not remembered: 1000 of a body's size each would be a lot of memory. */
const MEMO_MODEL_LENGTH = 256;

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
  const configured = new Map(Object.entries(overrides));
  const builtin = new Map(Object.entries(BUILTIN_CONTEXT_WINDOWS));
  const openai = openaiWindows();
  const memo = new Map<string, number>();
  return (model) => {
    let window = memo.get(model);
    if (window === undefined) {
      const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
      window = lookup(configured, model) ?? lookup(openai, base) ?? lookup(builtin, base) ?? fallback;
      // Bounded: model names come from requests, so an attacker could otherwise grow the map without end.
      if (memo.size < 1000 && model.length <= MEMO_MODEL_LENGTH) memo.set(model, window);
    }
    return window;
  };
}
