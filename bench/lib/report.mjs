// What a run produces: the markdown tables, results/latest.json and the SVG chart (written by
// hand: horizontal bars, one per implementation, ns per operation on a log scale).
import { goalText } from './goals.mjs';

const COLORS = { wasm: '#6f42c1', js: '#d99a00', host: '#8a8f98', floor: '#c5c9cf', asyncio: '#3572a5', uvloop: '#2e9e5b', library: '#17a2b8' };

export function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e4) return String(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

const cell = (r) => (!r ? '—' : r.skipped ? 'n/a' : r.median === undefined ? 'error' : fmt(r.median));

function extrasText(r) {
  const e = r.extras ?? {};
  const parts = [];
  if (e.cpu !== undefined) parts.push(`CPU ${fmt(e.cpu)} s`);
  if (e.inversions !== undefined) parts.push(e.inversions === 0 ? 'fire order ok' : `${fmt(e.inversions)} fired out of deadline order`);
  if (e.peakMB !== undefined) parts.push(`RSS +${fmt(e.peakMB)} MB at peak, growth ${fmt(e.growthMB)} MB`);
  if (e.maxTimers !== undefined) parts.push(`core holds ≤ ${fmt(e.maxTimers)} timers`);
  for (const [k, v] of Object.entries(e)) if (!['cpu', 'inversions', 'peakMB', 'growthMB', 'maxTimers'].includes(k)) parts.push(`${k} ${typeof v === 'number' ? fmt(v) : v}`);
  if (r.error) parts.push(`error: ${r.error}`);
  if (r.skipped) parts.push(r.skipped);
  return parts.join('; ');
}

/** The summary (one row per workload) and the details (one row per implementation), as markdown. */
export function markdown(report) {
  const out = [];
  const m = report.meta;
  out.push(`${m.runtime} ${m.version} (V8 ${m.v8}) · ${m.cores} cores (${m.cpu}) · Python ${m.python ?? 'absent'} · uvloop ${m.uvloop ?? 'absent'} · ${m.date}`);
  out.push(`${report.options.quick ? 'quick run' : 'full run'}: ${report.options.runs} measured runs after a warm-up, interleaved; median; WASM/JS in the summary; in the details, ratios to each workload's reference (the WASM core, or the one named: node net for W7, postMessage for W8)`);
  out.push('');
  out.push('| id | workload | unit | WASM | JS | WASM/JS | asyncio | uvloop | others | goals |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const w of report.workloads) {
    if (w.status !== 'ok') {
      out.push(`| ${w.id} | ${w.title} | ${w.unit} | ${w.status} | | | | | | |`);
      continue;
    }
    const by = Object.fromEntries(w.results.map((r) => [r.name, r]));
    const ratio = by.wasm?.median !== undefined && by.js?.median !== undefined ? fmt(by.wasm.median / by.js.median) : '—';
    const others = w.results
      .filter((r) => !['wasm', 'js', 'asyncio', 'uvloop'].includes(r.name) && r.median !== undefined)
      .map((r) => `${r.name} ${fmt(r.median)}`)
      .join(' · ');
    const goals = (w.goals ?? []).map(goalText).join('<br>');
    out.push(`| ${w.id} | ${w.title} | ${w.unit} | ${cell(by.wasm)} | ${cell(by.js)} | ${ratio} | ${cell(by.asyncio)} | ${cell(by.uvloop)} | ${others} | ${goals} |`);
  }
  out.push('');
  out.push('| id | implementation | n | median | min–max | × reference | also measured |');
  out.push('|---|---|---|---|---|---|---|');
  for (const w of report.workloads) {
    if (w.status !== 'ok') continue;
    for (const r of w.results) {
      const range = r.min !== undefined ? `${fmt(r.min)}–${fmt(r.max)}` : '';
      const label = r.name === w.reference ? `${r.label} (reference)` : r.label;
      out.push(`| ${w.id} | ${label} | ${r.n != null ? r.n.toLocaleString('en-US') : ''} | ${cell(r)} ${r.median !== undefined ? w.unit : ''} | ${range} | ${r.ratio != null ? fmt(r.ratio) : ''} | ${extrasText(r)} |`);
    }
  }
  return out.join('\n');
}

/** ns per operation for the chart, or null when the workload has no such figure. */
function chartValue(w, r) {
  if (r.median === undefined) return null;
  if (w.chart) return w.chart.value(r);
  return w.unit.startsWith('ns/') ? r.median : null;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart, log scale, grouped by workload. */
export function svg(report) {
  const groups = [];
  for (const w of report.workloads) {
    if (w.status !== 'ok') continue;
    const bars = w.results.map((r) => ({ r, v: chartValue(w, r) })).filter((b) => b.v !== null && b.v > 0);
    if (bars.length) groups.push({ w, bars, label: w.chart?.label ?? w.unit });
  }
  const all = groups.flatMap((g) => g.bars.map((b) => b.v));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 10))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 100))));
  const W = 960;
  const left = 300;
  const right = 90;
  const plot = W - left - right;
  const x = (v) => left + (plot * Math.log10(v / lo)) / Math.log10(hi / lo);
  const barH = 16;
  const gap = 4;
  const headH = 26;
  const top = 74;
  let y = top;
  const body = [];
  for (const g of groups) {
    body.push(`<text x="12" y="${y + 17}" class="h">${esc(g.w.id)} · ${esc(g.w.title)} <tspan class="u">(${esc(g.label)})</tspan></text>`);
    y += headH;
    for (const { r, v } of g.bars) {
      const w = Math.max(1, x(v) - left);
      body.push(`<text x="${left - 8}" y="${y + 12}" class="l">${esc(r.label)}</text>`);
      body.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="2" fill="${COLORS[r.kind] ?? '#999'}"><title>${esc(`${r.label}: ${fmt(v)} ns (n=${r.n})`)}</title></rect>`);
      body.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 12}" class="v">${fmt(v)}</text>`);
      y += barH + gap;
    }
    y += 6;
  }
  const grid = [];
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    const gx = x(t).toFixed(1);
    grid.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${y}" class="g"/>`);
    grid.push(`<text x="${gx}" y="${top - 10}" class="t">${t >= 1000 ? `${t / 1000} µs` : `${t} ns`}</text>`);
  }
  const m = report.meta;
  const H = y + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.h{font-size:13px;font-weight:600;fill:#222}.u{font-weight:400;fill:#666}.l{font-size:12px;fill:#333;text-anchor:end}.v{font-size:11px;fill:#333}.t{font-size:11px;fill:#777;text-anchor:middle}.g{stroke:#e3e3e3}.s{font-size:11px;fill:#666}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="16" font-weight="700" fill="#111">wasmloop benchmarks — ns per operation, log scale (shorter is faster)</text>
<text x="12" y="40" class="s">${esc(`${m.runtime} ${m.version} · ${m.cores} cores · ${m.cpu} · Python ${m.python ?? '—'} / uvloop ${m.uvloop ?? '—'} · ${m.date} · ${report.options.quick ? 'quick' : 'full'} run, median of ${report.options.runs}`)}</text>
${grid.join('\n')}
${body.join('\n')}
<text x="12" y="${H - 10}" class="s">W3/W3c: CPU ns per timer; W7: the server's CPU ns per message; W8: ns per submission. Workloads not built yet are left out. Data: bench/results/latest.json</text>
</svg>
`;
}
