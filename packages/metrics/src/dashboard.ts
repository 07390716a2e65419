/**
 * `GET /api/cache/dashboard`: one self-contained page (inline CSS and JS, no CDN) reading the JSON routes
 * beside it through relative URLs, so it works under any mount path.
 */
export interface DashboardOptions {
  /** Seconds between refreshes. Default 5. */
  refreshSeconds: number;
  /** Points of history kept for the operations chart. Default 60. */
  historyPoints: number;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{display:flex;justify-content:space-between;align-items:center;padding:12px 20px;background:#1d2330;color:#fff}
header h1{font-size:18px;margin:0}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;padding:16px}
section{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:14px;margin:0 0 8px;color:#5a6275;text-transform:uppercase;letter-spacing:.04em}
.gauge{text-align:center}.gauge svg{width:200px;height:110px}
.gauge .value{font-size:28px;font-weight:600;margin-top:-34px}
.green{color:#1a9e4b;stroke:#1a9e4b}.yellow{color:#c99a00;stroke:#c99a00}.red{color:#d1343a;stroke:#d1343a}
table{width:100%;border-collapse:collapse}td,th{padding:3px 4px;text-align:left;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend span{margin-right:10px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
#error{color:#d1343a}.muted{color:#8a91a1}
`;

const SCRIPT = `
'use strict';
const REFRESH_MS = __REFRESH_MS__;
const HISTORY = __HISTORY__;
const SERIES = [['sets','#4c6ef5'],['hits','#1a9e4b'],['misses','#d1343a'],['evictions','#c99a00']];
const params = new URLSearchParams(location.search);
let token = params.get('token') || sessionStorage.getItem('gatecache-token') || '';
const history = [];
let refreshes = 0;
const $ = (id) => document.getElementById(id);

async function get(path) {
  const url = new URL(path, location.href);
  const call = () => fetch(url, { cache: 'no-store', headers: token ? { Authorization: 'Bearer ' + token } : {} });
  let res = await call();
  if (res.status === 401) {
    const t = window.prompt('Read or admin token for the cache dashboard');
    if (!t) throw new Error('a read or admin token is required');
    token = t;
    sessionStorage.setItem('gatecache-token', t);
    res = await call();
  }
  if (!res.ok) throw new Error(url.pathname + ': HTTP ' + res.status);
  return res.json();
}

const pct = (x) => (x * 100).toFixed(1) + '%';
const fmt = (x) => (Math.round(x * 1000) / 1000).toLocaleString('en-US');

function gauge(id, ratio, cls) {
  const el = $(id);
  el.dataset.value = String(ratio);
  el.querySelector('.value').textContent = pct(ratio);
  el.querySelector('.value').className = 'value ' + cls;
  const arc = el.querySelector('.arc');
  arc.setAttribute('stroke-dasharray', Math.max(0, Math.min(100, ratio * 100)) + ' 100');
  arc.setAttribute('class', 'arc ' + cls);
}

function rows(id, entries) {
  const body = $(id);
  body.replaceChildren();
  for (const cells of entries) {
    const tr = document.createElement('tr');
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = String(c);
      if (i > 0) td.className = 'n';
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  if (entries.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.textContent = 'none';
    td.className = 'muted';
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function chart() {
  const svg = $('ops-chart');
  svg.replaceChildren();
  if (history.length < 2) return;
  const deltas = history.slice(1).map((p, i) => {
    const q = history[i];
    const dt = Math.max((p.t - q.t) / 1000, 0.001);
    return Object.fromEntries(SERIES.map(([k]) => [k, Math.max(0, p[k] - q[k]) / dt]));
  });
  const max = Math.max(1e-9, ...deltas.flatMap((d) => SERIES.map(([k]) => d[k])));
  for (const [k, color] of SERIES) {
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    const pts = deltas.map((d, i) => (i * 300) / Math.max(1, HISTORY - 2) + ',' + (118 - (d[k] / max) * 110));
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', color);
    line.setAttribute('stroke-width', '2');
    line.dataset.series = k;
    svg.appendChild(line);
  }
  $('ops-max').textContent = fmt(max) + '/s';
}

async function refresh() {
  try {
    const [stats, metrics, alerts] = await Promise.all([get('stats'), get('../../metrics'), get('alerts')]);
    const served = stats.served_without_upstream_rate;
    if (served !== undefined) {
      gauge('served', served, served > 0.8 ? 'green' : served >= 0.6 ? 'yellow' : 'red');
      const rc = stats.response_cache;
      $('served-requests').textContent =
        rc.upstream_calls_avoided + ' of ' + rc.requests + ' requests (' + rc.hits + ' hits, ' + rc.stale_hits +
        ' stale, ' + rc.coalesced_requests + ' coalesced)';
    }
    const hr = stats.hit_rate;
    gauge('hit-rate', hr, hr > 0.8 ? 'green' : hr >= 0.6 ? 'yellow' : 'red');
    const mem = stats.memory_usage_percent / 100;
    gauge('memory', mem, mem < 0.7 ? 'green' : mem <= 0.85 ? 'yellow' : 'red');
    $('memory-mb').textContent = fmt(stats.memory_usage_mb) + ' / ' + fmt(stats.max_memory_mb) + ' MB';
    $('requests').textContent = stats.total_requests + ' lookups: ' + stats.cache_hits + ' hits, ' + stats.cache_misses + ' misses';
    history.push({ t: Date.now(), sets: stats.sets, hits: stats.cache_hits, misses: stats.cache_misses, evictions: stats.evictions });
    while (history.length > HISTORY) history.shift();
    chart();
    const w = metrics.cache_warming || {};
    rows('warming', w.enabled ? [
      ['requests', w.warming_requests_total], ['successes', w.warming_success_total],
      ['last run', fmt(w.warming_duration_ms / 1000) + ' s'], ['warm hit rate', pct(w.warm_hit_rate)],
      ['coverage', pct(w.coverage)], ['efficiency', fmt(w.efficiency)]] : []);
    const firing = alerts.alerts.filter((a) => a.state === 'firing' || a.state === 'pending');
    $('firing').textContent = String(alerts.firing);
    rows('alerts', firing.map((a) => [a.severity + ' · ' + a.name + ' (' + a.state + '): ' + a.message, a.value === null ? '' : fmt(a.value)]));
    const ns = Object.entries(stats.namespaces || {}).sort((a, b) => b[1].total_requests - a[1].total_requests).slice(0, 10);
    rows('top', ns.map(([name, n]) => [name, n.total_requests, pct(n.hit_rate), n.entries]));
    $('tokens').textContent = fmt(stats.tokens_saved || 0);
    $('cost').textContent = '$' + (stats.cost_saved_usd || 0).toFixed(4);
    rows('saved-models', Object.entries((stats.saved_by && stats.saved_by.model) || {}).map(([m, s]) => [m, s.tokens, '$' + s.cost_usd.toFixed(4)]));
    $('error').textContent = '';
    refreshes++;
    document.body.dataset.refreshes = String(refreshes);
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    $('error').textContent = String(err.message || err);
  }
}
void refresh();
setInterval(refresh, REFRESH_MS);
`;

const gaugeSvg = (id: string, title: string, extra: string): string => `
<section class="gauge" id="${id}" data-value="">
  <h2>${title}</h2>
  <svg viewBox="0 0 120 66" aria-hidden="true">
    <path d="M10 60 A50 50 0 0 1 110 60" fill="none" stroke="#e6e8ee" stroke-width="12" pathLength="100"/>
    <path class="arc" d="M10 60 A50 50 0 0 1 110 60" fill="none" stroke-width="12" pathLength="100" stroke-dasharray="0 100"/>
  </svg>
  <div class="value">–</div>
  <div class="muted" id="${extra}"></div>
</section>`;

/** The page, with its refresh period and history length baked in. */
export function dashboardHtml(options: DashboardOptions): string {
  const script = SCRIPT.replace('__REFRESH_MS__', String(Math.round(options.refreshSeconds * 1000))).replace(
    '__HISTORY__',
    String(options.historyPoints),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>gatecache dashboard</title><style>${CSS}</style></head>
<body data-refreshes="0">
<header><h1>gatecache</h1><span><span id="error"></span> <span id="updated" class="muted"></span></span></header>
<main>
${gaugeSvg('served', 'Served without an upstream call', 'served-requests')}
${gaugeSvg('hit-rate', 'Hit rate', 'requests')}
${gaugeSvg('memory', 'Memory usage', 'memory-mb')}
<section><h2>Operations per second</h2>
  <div class="legend"><span><i style="background:#4c6ef5"></i>sets</span><span><i style="background:#1a9e4b"></i>hits</span><span><i style="background:#d1343a"></i>misses</span><span><i style="background:#c99a00"></i>evictions</span><span class="muted">max <span id="ops-max">–</span></span></div>
  <svg id="ops-chart" viewBox="0 0 300 120" width="100%" height="140"></svg></section>
<section><h2>Warming</h2><table><tbody id="warming"></tbody></table></section>
<section><h2>Alerts firing: <span id="firing">–</span></h2><table><tbody id="alerts"></tbody></table></section>
<section><h2>Top namespaces</h2><table><thead><tr><th>namespace</th><th>lookups</th><th>hit rate</th><th>entries</th></tr></thead><tbody id="top"></tbody></table></section>
<section><h2>Saved</h2><p><b id="tokens">–</b> tokens · <b id="cost">–</b></p>
  <table><thead><tr><th>model</th><th>tokens</th><th>cost</th></tr></thead><tbody id="saved-models"></tbody></table></section>
</main>
<script>${script}</script>
</body></html>`;
}
