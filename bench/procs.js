// Child processes for the benchmarks: each server in a process of its own, so the load generator stays off
// its event loop, and its CPU time read over IPC (the figure that holds when the two cores are shared).
const { fork } = require('node:child_process');
const path = require('node:path');
const autocannon = require('autocannon');
const { request } = require('./payloads');

/** Forks `file` (in this folder), with another Node binary if `execPath` names one, and resolves with the URL it prints once listening. */
function start(file, args = [], execPath = process.execPath) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, file), args, {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      execPath,
    });
    child.stdout.once('data', (d) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`${file} ${args.join(' ')} exited ${code}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/** The child's CPU time so far (user + system, microseconds). */
function cpuOf(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu.user + m.cpu.system));
    child.send('cpu');
  });
}

/**
 * autocannon against a server's chat completions route: the same request each time, or with `unique` a new
 * one each time (every request a miss). Throws on any non-2xx answer or error.
 */
async function load(url, { stream = false, unique = false, connections, duration }) {
  let n = 0;
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: request(stream),
    ...(unique ? { requests: [{ setupRequest: (req) => ({ ...req, body: request(stream, ++n) }) }] } : {}),
  });
  if (result.non2xx || result.errors)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

/**
 * Starts a `servers.js` scenario (with another Node binary if `execPath` names one), warms it with 20 requests
 * (the first fills the cache on hit scenarios; all JIT-compile the path), then runs `measure(url, child)`.
 * With no `measure`, a load run whose result also carries the server's CPU (us) per request served: stable
 * where req/s swings with the shared machine.
 */
async function measureScenario(name, upstream, loadOptions, { execPath, measure, stream = false } = {}) {
  const { child, url } = await start('servers.js', [name, upstream], execPath);
  try {
    for (let i = 0; i < 20; i++) {
      await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        body: request(stream),
      }).then((r) => r.arrayBuffer());
    }
    if (measure) return await measure(url, child);
    const before = await cpuOf(child);
    const result = await load(url, loadOptions);
    result.cpu = ((await cpuOf(child)) - before) / result.total;
    return result;
  } finally {
    await stop(child);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

module.exports = { start, stop, cpuOf, load, measureScenario, median };
