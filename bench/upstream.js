// The upstream for the proxy scenarios: the JSON answer, or the SSE answer when asked to stream. Answers at once,
// or after argv[2] milliseconds (a provider is never instant; an LLM answer takes hundreds of them).
const http = require('node:http');
const { answer: json, sseAnswer } = require('./payloads');

const delayMs = Number(process.argv[2] ?? 0);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  const answer = () => {
    const stream = Buffer.concat(chunks).includes('"stream":true');
    if (stream) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).end(sseAnswer);
    else res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length }).end(json);
  };
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
