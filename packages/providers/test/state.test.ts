import { namesAccountObject, providerStateOf, routeOf, storesAnswer } from '../src';
import { fixtureJson } from './fixtures';

const RESPONSES = { endpoint: 'responses' };
const request = fixtureJson('openai/responses.request.json') as Record<string, unknown>;

describe('providerStateOf', () => {
  it('names calls on stored objects whatever their body', () => {
    const route = routeOf({ method: 'GET', url: '/v1/responses/resp_1', headers: {} });
    expect(providerStateOf(route, undefined)).toBe('stored-object');
  });

  it('names conversations, background jobs and named containers', () => {
    expect(providerStateOf(RESPONSES, { ...request, conversation: 'conv_1' })).toBe('conversation');
    expect(providerStateOf(RESPONSES, { ...request, conversation: { id: 'conv_1' } })).toBe('conversation');
    expect(providerStateOf(RESPONSES, { ...request, background: true })).toBe('background');
    const tool = (container: unknown) => ({ ...request, tools: [{ type: 'code_interpreter', container }] });
    expect(providerStateOf(RESPONSES, tool('cntr_1'))).toBe('container');
    expect(providerStateOf({ endpoint: 'messages' }, { model: 'claude', container: 'container_1' })).toBe(
      'container',
    );
  });

  it('finds no state in a self-contained request', () => {
    expect(providerStateOf(RESPONSES, request)).toBeUndefined();
    expect(providerStateOf(RESPONSES, { ...request, conversation: null, background: false })).toBeUndefined();
    // A fresh container per call keeps nothing between calls.
    const auto = { ...request, tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] };
    expect(providerStateOf(RESPONSES, auto)).toBeUndefined();
    expect(providerStateOf(RESPONSES, [request])).toBeUndefined();
    // Inherited names are not the client's fields.
    expect(providerStateOf(RESPONSES, Object.create({ background: true }))).toBeUndefined();
  });
});

describe('namesAccountObject', () => {
  it('is true for a previous response, a stored prompt or Gemini cached content', () => {
    expect(namesAccountObject({ ...request, previous_response_id: 'resp_1' })).toBe(true);
    expect(namesAccountObject({ model: 'gpt-4.1', prompt: { id: 'pmpt_1', version: '2' } })).toBe(true);
    expect(namesAccountObject({ contents: [], cachedContent: 'cachedContents/abc' })).toBe(true);
  });

  it('is false otherwise', () => {
    expect(namesAccountObject(request)).toBe(false);
    expect(namesAccountObject({ ...request, previous_response_id: null, prompt: 'text' })).toBe(false);
    expect(namesAccountObject(undefined)).toBe(false);
    expect(namesAccountObject('previous_response_id')).toBe(false);
  });
});

describe('storesAnswer', () => {
  it('is true for a Responses call unless it says store: false', () => {
    expect(storesAnswer(RESPONSES, request)).toBe(true);
    expect(storesAnswer(RESPONSES, { model: 'gpt-4.1', input: 'hi' })).toBe(true);
    expect(storesAnswer(RESPONSES, { ...request, store: false })).toBe(false);
    expect(storesAnswer({ endpoint: 'chat.completions' }, { store: true })).toBe(false);
    expect(storesAnswer(RESPONSES, undefined)).toBe(false);
  });
});
