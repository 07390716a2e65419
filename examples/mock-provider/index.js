// An OpenAI- and Anthropic-compatible simulated provider for demos, benchmarks and tests.
// Answers are derived from the request (same request, same answer), latency and errors are seeded.
const http = require('node:http');
const { createHash } = require('node:crypto');

/** mulberry32: a small seeded generator, so error injection is reproducible. */
function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hash = (value) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lastUserText(messages = []) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((c) => c.text ?? '').join(' ');
  }
  return '';
}

/** A deterministic answer: the same request always gets the same words. */
function answerFor(body) {
  const h = hash({
    model: body.model,
    messages: body.messages,
    system: body.system,
    temperature: body.temperature,
  });
  const topic = lastUserText(body.messages).slice(0, 60) || 'your request';
  return {
    id: h.slice(0, 24),
    text: `Mock answer ${h.slice(0, 8)} about "${topic}". Caching makes repeated questions nearly free.`,
  };
}

const words = (text) => text.split(/(?<= )/);
const tokens = (text) => Math.max(1, Math.ceil(text.length / 4));

function openaiChat(body, created) {
  const { id, text } = answerFor(body);
  const prompt = tokens(JSON.stringify(body.messages ?? []));
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created,
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: tokens(text), total_tokens: prompt + tokens(text) },
  };
}

function openaiChatEvents(body, created) {
  const full = openaiChat(body, created);
  const base = { id: full.id, object: 'chat.completion.chunk', created, model: body.model };
  const chunk = (delta, finish = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const w of words(full.choices[0].message.content)) events.push(chunk({ content: w }));
  events.push(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) events.push({ ...base, choices: [], usage: full.usage });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n');
}

function anthropicMessage(body) {
  const { id, text } = answerFor(body);
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: tokens(JSON.stringify(body.messages ?? [])), output_tokens: tokens(text) },
  };
}

function anthropicEvents(body) {
  const msg = anthropicMessage(body);
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    ev('message_start', {
      message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
  ];
  for (const w of words(msg.content[0].text))
    out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(
    ev('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: msg.usage.output_tokens },
    }),
  );
  out.push(ev('message_stop', {}));
  return out;
}

function embeddings(body) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((input, index) => {
    const h = createHash('sha256').update(String(input)).digest();
    const embedding = Array.from({ length: 16 }, (_, i) => Number(((h[i] - 128) / 128).toFixed(6)));
    return { object: 'embedding', index, embedding };
  });
  const prompt = inputs.reduce((n, i) => n + tokens(String(i)), 0);
  return { object: 'list', data, model: body.model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
}

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];
const CLAUDE = ['claude-sonnet-4-5', 'claude-haiku-4-5'];

/**
 * createMockProvider({ latencyMs = 500, errorRate = 0.05, seed = 1, chunkDelayMs = 10, clock })
 * returns { server, listen(port, host), close(), stats(), setErrorRate(rate) }.
 */
function createMockProvider(options = {}) {
  const { latencyMs = 500, seed = 1, chunkDelayMs = 10, now = () => Date.now() } = options;
  const checkRate = (rate) => {
    if (!(rate >= 0 && rate <= 1))
      throw new Error(`mock provider: errorRate must be within 0..1 (got ${rate})`);
    return rate;
  };
  let errorRate = checkRate(options.errorRate ?? 0.05);
  let random = seeded(seed);
  const counters = { calls: 0, errors: 0, byRoute: {} };

  const send = (res, status, body, headers = {}) => {
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': payload.length,
      ...headers,
    });
    res.end(payload);
  };

  const stream = async (res, events) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    for (const e of events) {
      if (res.destroyed) return;
      res.write(e);
      if (chunkDelayMs) await sleep(chunkDelayMs);
    }
    res.end();
  };

  async function handle(req, res, raw) {
    const url = new URL(req.url, 'http://mock');
    const path = url.pathname.replace(/^\/anthropic/, '');
    if (path === '/__mock/stats') return send(res, 200, counters);
    if (path === '/__mock/reset' && req.method === 'POST') {
      counters.calls = 0;
      counters.errors = 0;
      counters.byRoute = {};
      random = seeded(seed);
      return send(res, 200, { ok: true });
    }
    const route = `${req.method} ${path}`;
    counters.calls++;
    counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1;
    let body = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send(res, 400, { error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      }
    }
    const anthropic = path === '/v1/messages' || (path === '/v1/models' && req.headers['anthropic-version']);
    await sleep(latencyMs);
    if (errorRate > 0 && random() < errorRate) {
      counters.errors++;
      return anthropic
        ? send(res, 529, {
            type: 'error',
            error: { type: 'overloaded_error', message: 'Overloaded (simulated)' },
          })
        : send(res, 500, {
            error: {
              message: 'The server had an error (simulated)',
              type: 'server_error',
              param: null,
              code: null,
            },
          });
    }
    const created = Math.floor(now() / 1000);
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      return body.stream
        ? stream(res, openaiChatEvents(body, created))
        : send(res, 200, openaiChat(body, created));
    }
    if (req.method === 'POST' && path === '/v1/messages') {
      return body.stream
        ? stream(res, anthropicEvents(body))
        : send(res, 200, anthropicMessage(body), { 'request-id': `req_${hash(body).slice(0, 12)}` });
    }
    if (req.method === 'POST' && path === '/v1/embeddings') return send(res, 200, embeddings(body));
    if (req.method === 'GET' && path === '/v1/models') {
      if (anthropic) {
        const data = CLAUDE.map((id) => ({
          type: 'model',
          id,
          display_name: id,
          created_at: '2025-01-01T00:00:00Z',
        }));
        return send(res, 200, {
          data,
          has_more: false,
          first_id: data[0].id,
          last_id: data[data.length - 1].id,
        });
      }
      return send(res, 200, {
        object: 'list',
        data: MODELS.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })),
      });
    }
    return send(res, 404, { error: { type: 'not_found_error', message: `no route ${route}` } });
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err) => {
        if (!res.headersSent) send(res, 500, { error: { type: 'mock_error', message: err.message } });
        else res.destroy(err);
      });
    });
  });
  server.keepAliveTimeout = 30_000;

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) =>
        server.listen(port, host, () => resolve(`http://${host}:${server.address().port}`)),
      );
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
    stats: () => JSON.parse(JSON.stringify(counters)),
    /** Change the error rate while running (1: an outage), as the demo does. */
    setErrorRate(rate) {
      errorRate = checkRate(rate);
    },
  };
}

module.exports = { createMockProvider, answerFor, seeded };
