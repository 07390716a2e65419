// The bytes every scenario serves: a 2 KB chat completion and a 200-event SSE answer.
const words = 'The cache answered this request from memory without calling the provider again. '.repeat(20);
const content = words.slice(0, 1500);

const answer = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 380, total_tokens: 400 },
  }),
);

const base = {
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'gpt-4o-mini',
};
const events = [
  { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
];
for (let i = 0; i < 198; i++)
  events.push({ ...base, choices: [{ index: 0, delta: { content: `word${i} ` }, finish_reason: null }] });
events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const sseAnswer = Buffer.from(
  events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n',
);

const request = (stream = false, n = 0) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Summarise the benefits of caching, variant ${n}.` }],
    temperature: 0,
    ...(stream ? { stream: true } : {}),
  });

module.exports = { answer, sseAnswer, request };
