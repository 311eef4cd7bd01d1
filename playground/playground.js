// The playground: the seed's examples on either core, live, with a timeline of the loop's
// iterations (from loop.setObserver), a trace file (loop.stopTrace(), Trace Event JSON) drawn on
// the same timeline, and W1/W2 in this browser on both cores. It imports the
// built package (../dist/index.js) with no bundler, as any page can. `npm run playground`.
import * as wl from '../dist/index.js';
import { EXAMPLES } from '../examples/seed.mjs';
import { w1, w2 } from '../bench/workloads.mjs';
import { fitCanvas } from './canvas.js';

const $ = (id) => document.getElementById(id);
const COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#64748b'];
const state = { iterations: [], colors: new Map(), origin: 0, running: false, clock: 'monotonic', trace: null };
globalThis.__playground = state;

// ---- environment -------------------------------------------------------------------------------

function showEnvironment() {
  const isolated = globalThis.crossOriginIsolated === true;
  const shared = isolated && typeof SharedArrayBuffer === 'function';
  const chrome = /(Chrome|Firefox|Version)\/([\d.]+)/.exec(navigator.userAgent);
  const items = [
    [chrome ? `${chrome[1] === 'Version' ? 'Safari' : chrome[1]} ${chrome[2]}` : navigator.userAgent, ''],
    [isolated ? 'cross-origin isolated' : 'not cross-origin isolated', isolated ? 'ok' : 'warn'],
    [shared ? 'WASM core: shared memory' : 'WASM core: ordinary memory (no SharedArrayBuffer)', shared ? 'ok' : 'warn'],
    ['main thread: the loop yields with MessageChannel', ''],
  ];
  $('env').replaceChildren(
    ...items.map(([text, cls]) => {
      const li = document.createElement('li');
      li.textContent = text;
      if (cls) li.className = cls;
      return li;
    }),
  );
}

// ---- the observer and the timeline ------------------------------------------------------------

/** `<TimerHandle when=1.5 trampoline("first")>` → `trampoline("first")`. */
function labelOf(handle) {
  return String(handle)
    .replace(/^<\w+ (cancelled )?(when=\S+ )?/, '')
    .replace(/ created at .*$/, '')
    .replace(/>$/, '');
}

function colorOf(label) {
  if (!state.colors.has(label)) state.colors.set(label, COLORS[state.colors.size % COLORS.length]);
  return state.colors.get(label);
}

let current = null;
let drawQueued = false;
const observer = {
  iteration(loop, time, size) {
    current = { n: state.iterations.length + 1, time: time - state.origin, size, callbacks: [] };
    state.iterations.push(current);
    queueDraw();
  },
  callback(handle, start, end) {
    current.callbacks.push({ label: labelOf(handle), ms: end - start });
  },
};

/** The wasmloop module as the examples see it: every loop they make is observed. */
const traced = {
  ...wl,
  newEventLoop(opts) {
    const loop = wl.newEventLoop(opts);
    state.origin = loop.time();
    loop.setObserver(observer);
    return loop;
  },
};

function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw();
    listIterations();
    flushLines();
  });
}

const pendingLines = [];
function flushLines() {
  if (pendingLines.length === 0) return;
  $('output').textContent += `${pendingLines.join('\n')}\n`;
  pendingLines.length = 0;
  $('output').scrollTop = $('output').scrollHeight;
}

function niceStep(span) {
  for (const s of [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60]) if (span / s <= 10) return s;
  return 120;
}

function draw() {
  if (state.trace !== null) return drawTrace();
  const canvas = $('timeline');
  const { ctx, width, height } = fitCanvas(canvas);
  const its = state.iterations;
  const left = 48;
  const right = 20;
  const top = 26;
  const bottom = 34;
  const plotW = width - left - right;
  const baseY = height - bottom;
  const last = its.length ? its[its.length - 1].time : 0;
  const span = state.clock === 'monotonic' && state.running ? Math.max(8.5, last * 1.04) : Math.max(last * 1.04, 0.01);
  const x = (t) => left + (t / span) * plotW;
  const maxStack = Math.max(4, ...its.map((it) => it.callbacks.length));
  const blockH = Math.min(22, (baseY - top - 8) / maxStack);
  const blockW = Math.max(3, Math.min(16, (plotW / Math.max(its.length, 1)) * 0.6));

  // axis and grid
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#667085';
  ctx.strokeStyle = '#e4e7ef';
  ctx.lineWidth = 1;
  const step = niceStep(span);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const px = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, top - 6);
    ctx.lineTo(px, baseY);
    ctx.stroke();
    ctx.textAlign = 'center';
    ctx.fillText(`${+t.toFixed(3)} s`, px, baseY + 16);
  }
  ctx.strokeStyle = '#98a2b3';
  ctx.beginPath();
  ctx.moveTo(left, baseY + 0.5);
  ctx.lineTo(width - right, baseY + 0.5);
  ctx.stroke();
  ctx.save();
  ctx.translate(14, (top + baseY) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('callbacks', 0, 0);
  ctx.restore();
  ctx.textAlign = 'right';
  ctx.fillText('loop time', width - right, height - 4);

  // one column per iteration, one block per callback, bottom up in the order they ran
  const labelEvery = Math.max(1, Math.ceil(its.length / Math.max(1, Math.floor(plotW / 28))));
  for (const it of its) {
    const cx = x(it.time);
    ctx.fillStyle = 'rgba(79, 70, 229, 0.07)';
    ctx.fillRect(cx - blockW / 2 - 1, top, blockW + 2, baseY - top);
    it.callbacks.forEach((cb, i) => {
      ctx.fillStyle = colorOf(cb.label);
      const y = baseY - (i + 1) * blockH;
      ctx.beginPath();
      ctx.roundRect(cx - blockW / 2, y + 1, blockW, blockH - 2, 3);
      ctx.fill();
    });
    if ((it.n - 1) % labelEvery === 0) {
      ctx.fillStyle = '#98a2b3';
      ctx.textAlign = 'center';
      ctx.fillText(`#${it.n}`, cx, top - 10);
    }
  }
  canvas.dataset.iterations = String(its.length);
  canvas.dataset.callbacks = String(its.reduce((a, it) => a + it.callbacks.length, 0));

  $('legend').replaceChildren(
    ...[...state.colors].map(([label, color]) => {
      const span = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = color;
      span.append(swatch, label);
      return span;
    }),
  );
  const callbacks = its.reduce((a, it) => a + it.callbacks.length, 0);
  $('stats').textContent = its.length ? `${its.length} iterations, ${callbacks} callbacks, loop time 0 → ${last.toFixed(3)} s` : '';
}

function listIterations() {
  const ol = $('iterations');
  const shown = ol.children.length;
  for (const it of state.iterations.slice(shown)) {
    const li = document.createElement('li');
    const ms = it.callbacks.reduce((a, c) => a + c.ms, 0);
    li.textContent = `@ ${it.time.toFixed(3)} s  ${it.callbacks.map((c) => c.label).join(', ')}  (${ms.toFixed(3)} ms)`;
    ol.append(li);
  }
  ol.scrollTop = ol.scrollHeight;
}


// ---- a trace file on the timeline ----------------------------------------------------------------

/**
 * A trace (Trace Event JSON object format, as loop.stopTrace() / readTrace() / mergeTraces() give
 * it) as the timeline draws it: per thread, a lane of iterations, a lane of callbacks, and lanes of
 * task spans; flows as arrows from where they start to where they end (timers, and submissions
 * between threads). Throws on what is not such a trace.
 */
export function parseTrace(json) {
  if (json === null || typeof json !== 'object' || !Array.isArray(json.traceEvents)) throw new TypeError('not a Trace Event JSON object (no traceEvents array)');
  const threads = new Map();
  const thread = (tid) => {
    if (!threads.has(tid)) threads.set(tid, { tid, name: `thread ${tid}`, iterations: [], callbacks: [], tasks: [] });
    return threads.get(tid);
  };
  const starts = new Map();
  const ends = new Map();
  const open = new Map();
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const e of json.traceEvents) {
    if (e === null || typeof e !== 'object' || typeof e.ts !== 'number') continue;
    const th = thread(e.tid);
    if (e.ph === 'M') {
      if (e.name === 'thread_name' && typeof e.args?.name === 'string') th.name = e.args.name;
      continue;
    }
    t0 = Math.min(t0, e.ts);
    t1 = Math.max(t1, e.ts + (e.ph === 'X' ? e.dur : 0));
    if (e.ph === 'X') (String(e.cat).includes('iteration') ? th.iterations : th.callbacks).push({ ts: e.ts, dur: e.dur, name: e.name, args: e.args, task: String(e.cat).includes('task') });
    else if (e.ph === 's') starts.set(`${e.cat}:${e.id}`, { ts: e.ts, tid: e.tid, cat: e.cat });
    else if (e.ph === 'f') ends.set(`${e.cat}:${e.id}`, { ts: e.ts, tid: e.tid });
    else if (e.ph === 'b') open.set(`${e.cat}:${e.tid}:${e.id}`, { ts: e.ts, name: e.name, tid: e.tid });
    else if (e.ph === 'e') {
      const b = open.get(`${e.cat}:${e.tid}:${e.id}`);
      if (b) {
        open.delete(`${e.cat}:${e.tid}:${e.id}`);
        thread(b.tid).tasks.push({ ts: b.ts, end: e.ts, name: b.name, unfinished: e.args?.unfinished === true });
      }
    }
  }
  const flows = [];
  for (const [key, s] of starts) {
    const f = ends.get(key);
    if (f) flows.push({ from: s, to: f, cat: s.cat });
  }
  if (!(t1 >= t0)) throw new TypeError('the trace holds no events');
  return { threads: [...threads.values()].filter((t) => t.iterations.length + t.callbacks.length + t.tasks.length > 0), flows, t0, t1, other: json.otherData ?? {} };
}

function showView(view) {
  document.body.dataset.view = view;
  $('timeline-help').textContent =
    view === 'trace' ? 'a trace file: per thread, iterations, callbacks (one colour per name), flows (arrows: timers, submissions between threads) and task spans' : 'each column is one loop iteration; each block a callback it ran';
}

export async function loadTrace(text, source) {
  const trace = parseTrace(JSON.parse(text));
  Object.assign(state, { trace, colors: new Map() });
  showView('trace');
  const o = trace.other;
  const counts = trace.threads.reduce((a, t) => [a[0] + t.iterations.length, a[1] + t.callbacks.length, a[2] + t.tasks.length], [0, 0, 0]);
  $('trace-info').textContent = `${source}: ${trace.threads.length} thread${trace.threads.length === 1 ? '' : 's'}, ${counts[0]} iterations, ${counts[1]} callbacks, ${trace.flows.length} flows, ${counts[2]} task span${counts[2] === 1 ? '' : 's'}${o.clock ? ` · ${o.core} core, ${o.clock} clock` : ''}${o.dropped ? ` · ${o.dropped} dropped` : ''}`;
  draw();
  document.body.dataset.trace = 'loaded';
}

function drawTrace() {
  const tr = state.trace;
  const canvas = $('timeline');
  const { ctx, width, height } = fitCanvas(canvas);
  const left = 110;
  const right = 20;
  const top = 30;
  const bottom = 30;
  const plotW = width - left - right;
  const span = Math.max(tr.t1 - tr.t0, 1);
  const x = (ts) => left + ((ts - tr.t0) / span) * plotW;
  const w = (dur) => Math.max(3, (dur / span) * plotW);
  ctx.font = '11px system-ui, sans-serif';
  // lanes: per thread, iterations, callbacks, then one lane per overlapping task span
  const laneH = 24;
  let y = top;
  const lanes = [];
  for (const th of tr.threads) {
    // callbacks that would cover one another (an iteration's, on a virtual clock) stack in rows
    const cbRows = [];
    for (const cb of th.callbacks) {
      const x0 = x(cb.ts);
      let r = cbRows.findIndex((end) => end <= x0);
      if (r < 0) r = cbRows.length < 6 ? cbRows.push(0) - 1 : cbRows.length - 1;
      cbRows[r] = x0 + w(cb.dur) + 1;
      cb.row = r;
    }
    const cbH = Math.max(1, cbRows.length) * 9 + 8;
    const rows = [];
    for (const t of [...th.tasks].sort((a, b) => a.ts - b.ts)) {
      let r = rows.findIndex((end) => end <= t.ts);
      if (r < 0) r = rows.push(0) - 1;
      rows[r] = t.end;
      t.row = r;
    }
    th.y = { title: y, iterations: y + 14, callbacks: y + 14 + laneH, tasks: y + 14 + laneH + cbH + 14 };
    y = th.y.tasks + Math.max(1, rows.length) * laneH + 14;
    lanes.push(th);
  }
  const needed = `${Math.max(200, y + bottom)}px`;
  if (canvas.style.height !== needed) {
    canvas.style.height = needed; // the lanes decide the height: draw again at it
    return drawTrace();
  }
  // time grid, in seconds from the trace's start
  const secs = span / 1e6;
  const step = niceStep(secs);
  ctx.strokeStyle = '#eef0f5';
  ctx.fillStyle = '#667085';
  ctx.textAlign = 'center';
  for (let t = 0; t <= secs + 1e-9; t += step) {
    const px = Math.round(x(tr.t0 + t * 1e6)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, top - 4);
    ctx.lineTo(px, height - bottom);
    ctx.stroke();
    ctx.fillText(`${+t.toFixed(3)} s`, px, height - bottom + 16);
  }
  const drawn = { iterations: 0, callbacks: 0, flows: 0, tasks: 0 };
  for (const th of lanes) {
    ctx.fillStyle = '#1d2433';
    ctx.textAlign = 'left';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillText(th.name, 8, th.y.title + 6);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#667085';
    ctx.fillText('iterations', 8, th.y.iterations + 15);
    ctx.fillText('callbacks', 8, th.y.callbacks + 15);
    ctx.fillText('tasks', 8, th.y.tasks + 15);
    for (const it of th.iterations) {
      ctx.fillStyle = 'rgba(79, 70, 229, 0.28)';
      ctx.fillRect(x(it.ts), th.y.iterations + 3, w(it.dur), laneH - 6);
      drawn.iterations++;
    }
    for (const cb of th.callbacks) {
      ctx.fillStyle = colorOf(cb.name);
      ctx.beginPath();
      ctx.roundRect(x(cb.ts), th.y.callbacks + 3 + cb.row * 9, w(cb.dur), 8, 2);
      ctx.fill();
      drawn.callbacks++;
    }
    for (const t of th.tasks) {
      const ty = th.y.tasks + t.row * laneH;
      ctx.fillStyle = 'rgba(16, 185, 129, 0.25)';
      ctx.strokeStyle = '#10b981';
      ctx.beginPath();
      ctx.roundRect(x(t.ts), ty + 3, Math.max(3, x(t.end) - x(t.ts)), laneH - 6, 4);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = '#065f46';
      ctx.textAlign = 'left';
      ctx.fillText(`task ${t.name}${t.unfinished ? ' (unfinished)' : ''}`, x(t.ts) + 6, ty + 16);
      drawn.tasks++;
    }
  }
  // flows: an arc from the slice it starts in to the slice it ends in
  const byTid = new Map(lanes.map((th) => [th.tid, th]));
  for (const f of tr.flows) {
    const a = byTid.get(f.from.tid);
    const b = byTid.get(f.to.tid);
    if (!a || !b) continue;
    const x0 = x(f.from.ts) + 1.5;
    const x1 = x(f.to.ts) + 1.5;
    const y0 = a.y.callbacks + 3;
    const y1 = b.y.callbacks + 3;
    const lift = a === b ? Math.min(40, 8 + (x1 - x0) / 6) : 0;
    ctx.strokeStyle = f.cat === 'thread' ? 'rgba(239, 68, 68, 0.85)' : 'rgba(245, 158, 11, 0.8)';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0, y0 - lift, x1, y1 - lift, x1, y1);
    ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 3, y1 - 6);
    ctx.lineTo(x1 + 3, y1 - 6);
    ctx.fill();
    drawn.flows++;
  }
  ctx.lineWidth = 1;
  canvas.dataset.iterations = String(drawn.iterations);
  canvas.dataset.callbacks = String(drawn.callbacks);
  canvas.dataset.flows = String(drawn.flows);
  canvas.dataset.tasks = String(drawn.tasks);
  $('legend').replaceChildren(
    ...[
      ...[...state.colors].map(([label, color]) => [label, color]),
      ['iteration', 'rgba(79, 70, 229, 0.28)'],
      ['timer flow', 'rgba(245, 158, 11, 0.8)'],
      ['flow between threads', 'rgba(239, 68, 68, 0.85)'],
      ['task span', 'rgba(16, 185, 129, 0.5)'],
    ].map(([label, color]) => {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = color;
      item.append(swatch, label);
      return item;
    }),
  );
  $('stats').textContent = `trace: ${drawn.iterations} iterations, ${drawn.callbacks} callbacks, ${drawn.flows} flows, ${drawn.tasks} task span${drawn.tasks === 1 ? '' : 's'} over ${(span / 1e6).toFixed(3)} s`;
}

$('trace-file').addEventListener('change', async (ev) => {
  const file = ev.target.files?.[0];
  if (!file) return;
  try {
    await loadTrace(await file.text(), file.name);
  } catch (e) {
    $('trace-info').textContent = `could not load ${file.name}: ${e?.message ?? e}`;
    document.body.dataset.trace = 'failed';
  }
});

// ---- running -----------------------------------------------------------------------------------

function selected(name) {
  return document.querySelector(`input[name="${name}"]:checked`).value;
}

function setStatus(text, cls = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${cls}`;
}

function busy(on) {
  state.running = on;
  for (const id of ['run', 'bench']) $(id).disabled = on;
  document.body.dataset.state = on ? 'running' : 'idle';
}

async function runExample() {
  const [title, example] = EXAMPLES[Number($('example').value)];
  const core = selected('core');
  const clock = selected('clock');
  Object.assign(state, { iterations: [], colors: new Map(), clock, trace: null });
  $('timeline').style.height = '';
  showView('live');
  current = null;
  $('output').textContent = '';
  pendingLines.length = 0;
  $('iterations').replaceChildren();
  busy(true);
  setStatus(`running “${title}” on the ${core} core, ${clock === 'virtual' ? 'virtual' : 'real'} clock…`, 'running');
  const t0 = performance.now();
  try {
    // lines are shown on the next frame, so that the callbacks' timings are the loop's, not the DOM's
    const out = await example(traced, { core, clock }, (line) => {
      pendingLines.push(line);
      queueDraw();
    });
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    setStatus(`done: ${out.length} lines, ${state.iterations.length} iterations, ${secs} s of real time`, 'done');
  } catch (e) {
    setStatus(`failed: ${e?.message ?? e}`);
    throw e;
  } finally {
    busy(false);
    draw();
    listIterations();
    flushLines();
    document.body.dataset.state = 'done';
  }
}

async function runBench() {
  const N = 1_000_000;
  const rows = [
    ['W1', 'trampoline: 1M callSoon, one at a time', w1],
    ['W2', 'fan-out: schedule 1M callSoon, then run', w2],
  ];
  const tbody = $('bench-table').querySelector('tbody');
  tbody.replaceChildren();
  busy(true);
  const results = {};
  try {
    for (const [id, title, fn] of rows) {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td><b>${id}</b> ${title}</td><td>…</td><td>…</td><td>…</td>`;
      tbody.append(tr);
      const median = {};
      for (const core of ['wasm', 'js']) await fn(wl, core, N >> 3); // warm-up
      const runs = { wasm: [], js: [] };
      for (let r = 0; r < 3; r++) {
        for (const core of ['wasm', 'js']) {
          setStatus(`${id} on the ${core} core, run ${r + 1} of 3…`, 'running');
          runs[core].push(await fn(wl, core, N));
        }
      }
      for (const core of ['wasm', 'js']) median[core] = runs[core].sort((a, b) => a - b)[1];
      tr.children[1].textContent = `${median.wasm.toFixed(1)} ns/callback`;
      tr.children[2].textContent = `${median.js.toFixed(1)} ns/callback`;
      tr.children[3].textContent = (median.wasm / median.js).toFixed(2);
      results[id] = median;
    }
    setStatus('W1 and W2 done (median of 3 runs of 1,000,000 callbacks each)', 'done');
  } finally {
    busy(false);
    globalThis.__bench = results;
    document.body.dataset.bench = 'done';
  }
}

// ---- wiring ------------------------------------------------------------------------------------

$('example').replaceChildren(
  ...EXAMPLES.map(([title], i) => {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = title;
    return o;
  }),
);
$('example').value = String(EXAMPLES.length - 1);
$('run').addEventListener('click', () => void runExample());
$('bench').addEventListener('click', () => void runBench());
window.addEventListener('resize', () => draw());
showEnvironment();
draw();
document.body.dataset.state = 'idle';
