// The upstream for the proxy scenarios: the JSON answer, or the SSE answer when asked to stream. Answers at once,
// or after argv[2] milliseconds (a provider is never instant; an LLM answer takes hundreds). With argv[3] = N the
// stream goes out in N writes, each on a later turn of the event loop, as a provider's events arrive in many
// packets; by default in one write.
const http = require('node:http');
const { answer: json, sseAnswer } = require('./payloads');

const delayMs = Number(process.argv[2] ?? 0);
const parts = Number(process.argv[3] ?? 1);
const events = sseAnswer.toString().split(/(?<=\n\n)/);
const count = Math.min(parts, events.length);
const pieces = Array.from({ length: count }, (_, i) =>
  Buffer.from(
    events
      .slice(Math.floor((i * events.length) / count), Math.floor(((i + 1) * events.length) / count))
      .join(''),
  ),
);

function writeParts(res, i = 0) {
  if (i === pieces.length - 1) return res.end(pieces[i]);
  res.write(pieces[i]);
  setImmediate(writeParts, res, i + 1);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  const answer = () => {
    const stream = Buffer.concat(chunks).includes('"stream":true');
    if (stream) writeParts(res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }));
    else res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length }).end(json);
  };
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
