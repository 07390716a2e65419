// A zero-latency upstream for the proxy scenarios: the JSON answer, or the SSE answer when asked to stream.
const http = require('node:http');
const { answer, sseAnswer } = require('./payloads');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const stream = Buffer.concat(chunks).includes('"stream":true');
    if (stream) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).end(sseAnswer);
    else
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
