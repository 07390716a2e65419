import { ownValue } from '@gatecache/core';
import { STORED_OBJECT } from './route';

/**
 * Why a request's answer depends on state the provider keeps between calls:
 * - 'stored-object': a call on a stored response, conversation or stored chat completion;
 * - 'conversation': the request reads and appends to a conversation (`conversation`), which changes between calls;
 * - 'background': the answer is a queued job (`background: true`), not the result;
 * - 'container': a tool runs in a named code-interpreter container (Responses `tools[].container` id,
 *   Anthropic `container`), whose files change between calls.
 */
export type ProviderState = 'stored-object' | 'conversation' | 'background' | 'container';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/** A code-interpreter tool pointing at an existing container by id (`{ type: 'auto' }` makes a new one). */
function namesContainer(tools: unknown): boolean {
  if (!Array.isArray(tools)) return false;
  return tools.some((tool) => isObject(tool) && typeof ownValue(tool, 'container') === 'string');
}

/**
 * The reason a request keeps state on the provider's side, or undefined when its answer depends on its
 * body alone. A cache must pass such a request through: a repeat of the same body later means different
 * context (a conversation grew, a container's files changed) or a different object (a queued job).
 */
export function providerStateOf(route: { endpoint: string }, body: unknown): ProviderState | undefined {
  if (route.endpoint === STORED_OBJECT) return 'stored-object';
  if (!isObject(body)) return undefined;
  if (present(ownValue(body, 'conversation'))) return 'conversation';
  if (ownValue(body, 'background') === true) return 'background';
  if (present(ownValue(body, 'container')) || namesContainer(ownValue(body, 'tools'))) return 'container';
  return undefined;
}

/**
 * True when the body references an object that belongs to one account: `previous_response_id` (a stored
 * response), `prompt.id` (a stored prompt template), Gemini `cachedContent`. Such objects are immutable, so
 * the answer is cacheable, but only for the account that can read them: another account sending the same
 * id must not get it.
 */
export function namesAccountObject(body: unknown): boolean {
  if (!isObject(body)) return false;
  if (present(ownValue(body, 'previous_response_id'))) return true;
  if (present(ownValue(body, 'cachedContent'))) return true;
  const prompt = ownValue(body, 'prompt');
  return isObject(prompt) && present(ownValue(prompt, 'id'));
}

/**
 * True when the provider keeps the answer under an id the client may reuse: a Responses call without
 * `store: false` (storing is its default), whose id can be passed back as `previous_response_id` or fetched.
 * A replayed answer's id must then be one the provider holds for the asking account.
 */
export function storesAnswer(route: { endpoint: string }, body: unknown): boolean {
  return route.endpoint === 'responses' && isObject(body) && ownValue(body, 'store') !== false;
}
