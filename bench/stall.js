// How long one request can stall the gateway: each pathological body below is sent once to a fresh gateway
// (examples/gateway, in a child process), while /health is fetched back to back; prints the request's time,
// its answer, and the slowest /health answer seen meanwhile (= the longest the event loop was held).
// `node bench/stall.js [case ...]`; a request still unanswered after STALL_TIMEOUT_MS (60 s) is reported as such.
const { fork } = require('node:child_process');
const path = require('node:path');

const TIMEOUT_MS = Number(process.env.STALL_TIMEOUT_MS ?? 60_000);
const MB = 1024 * 1024;

function words(bytes) {
  const w =
    'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches'.split(' ');
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += w[(i * 7919) % w.length] + ' ';
  return s.slice(0, bytes);
}
function highEntropy(bytes) {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += a[x >>> 26];
  }
  return s;
}
function codePoints(from, span, bytesEach, bytes) {
  let s = '';
  let x = 7;
  for (let i = 0; i < bytes / bytesEach; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCodePoint(from + (x % span));
  }
  return s;
}
const chat = (messages) => ({ model: 'gpt-4o-mini', messages });
const user = (content) => [{ role: 'user', content }];

// Each body is built under (or, for the 4 MB one, over) the gateway's body limit, less ~100 bytes of framing.
const CASES = {
  'english-4mb': () => chat(user(words(4 * MB))),
  'english-1mb': () => chat(user(words(MB - 200))),
  'many-messages-1mb': () =>
    chat(
      Array.from({ length: 12_000 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: `message ${i} ${words(40)}`,
      })),
    ),
  'high-entropy-1mb': () => chat(user(highEntropy(MB - 200))),
  'one-letter-1mb': () => chat(user('a'.repeat(MB - 200))),
  'lowercase-run-256kb': () =>
    chat(
      user(
        highEntropy(256 * 1024)
          .toLowerCase()
          .replace(/[^a-z]/g, 'q'),
      ),
    ),
  'cjk-1mb': () => chat(user(codePoints(0x4e00, 20_000, 3, MB - 200))),
  'emoji-1mb': () => chat(user(codePoints(0x1f300, 700, 4, MB - 200))),
  'nested-arrays-1mb': () => {
    const depth = (MB - 200) / 2;
    return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
  },
  'anthropic-english-1mb': () => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    messages: user(words(MB - 200)),
  }),
};

function startGateway() {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'stall-gateway.js'), {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout.once('data', (d) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`stall-gateway.js exited ${code}`)));
  });
}

async function run(name) {
  const { child, url } = await startGateway();
  const built = CASES[name]();
  const body = typeof built === 'string' ? built : JSON.stringify(built);
  const route = name.startsWith('anthropic') ? '/anthropic/v1/messages' : '/v1/chat/completions';
  // Warm the tokenizer and the routes first: its one-time load is not what is measured.
  await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-stall' },
    body: JSON.stringify(chat(user(words(600_000)))),
  }).then((r) => r.arrayBuffer());
  let worst = 0;
  let running = true;
  let pendingSince;
  const probe = (async () => {
    while (running) {
      pendingSince = performance.now();
      await fetch(`${url}/health`).then((r) => r.arrayBuffer());
      worst = Math.max(worst, performance.now() - pendingSince);
      pendingSince = undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = performance.now();
  let answer;
  try {
    const res = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-stall',
        'x-api-key': 'sk-stall',
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    answer =
      `${res.status} ${res.headers.get('x-cache') ?? '-'} ${res.headers.get('cache-status') ?? ''}`.trim();
    if (res.status !== 200) answer += ` ${text.slice(0, 80)}`;
  } catch (err) {
    answer = `no answer (${err.name})`;
  }
  const took = performance.now() - started;
  // A probe still waiting when the request gives up was held all that time.
  if (pendingSince !== undefined) worst = Math.max(worst, performance.now() - pendingSince);
  running = false;
  child.kill('SIGKILL');
  await probe.catch(() => {});
  const kb = Math.round(Buffer.byteLength(body) / 1024);
  const ms = (v) => `${Math.round(v)} ms`.padStart(9);
  console.log(
    `${name.padEnd(22)} ${`${kb} KiB`.padStart(9)} request ${ms(took)}  /health worst ${ms(worst)}  ${answer}`,
  );
}

(async () => {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(CASES);
  console.log(`node ${process.version}, one fresh gateway per case, timeout ${TIMEOUT_MS} ms`);
  for (const name of names) await run(name);
})();
