// The playground: the seed's examples on either core, live, with a timeline of the loop's
// iterations (from loop.setObserver), and W1/W2 in this browser on both cores. It imports the
// built package (../dist/index.js) with no bundler, as any page can. `npm run playground`.
import * as wl from '../dist/index.js';
import { EXAMPLES } from '../examples/seed.mjs';
import { w1, w2 } from '../bench/workloads.mjs';

const $ = (id) => document.getElementById(id);
const COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#64748b'];
const state = { iterations: [], colors: new Map(), origin: 0, running: false, clock: 'monotonic' };
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
  const canvas = $('timeline');
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, width, height);
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
  Object.assign(state, { iterations: [], colors: new Map(), clock });
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
