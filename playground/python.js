// The playground's "Python (Pyodide)" section: the seed's three named trampolines as unmodified
// Python, on wasmloop inside Pyodide in a Web Worker (python-worker.js), its iterations drawn on a
// timeline: one column per loop iteration, one block per line the Python code printed in it.
// Kept apart from playground.js; it loads Pyodide only when Run is pressed.
import { fitCanvas } from './canvas.js';

const $ = (id) => document.getElementById(id);
const COLORS = { first: '#4f46e5', second: '#0ea5e9', third: '#f59e0b' };
const FILE = 'named_trampolines.py';
const py = { iterations: [], lines: [], running: false, worker: null };
globalThis.__playgroundPython = py;

let drawQueued = false;
function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw();
  });
}

function draw() {
  const canvas = $('py-timeline');
  const { ctx, width, height } = fitCanvas(canvas);
  const its = py.iterations.filter((it) => it.labels.length > 0);
  const left = 40;
  const right = 16;
  const baseY = height - 26;
  const span = Math.max(8.5, ...its.map((it) => it.time * 1.04));
  const x = (t) => left + (t / span) * (width - left - right);
  ctx.strokeStyle = '#cbd5e1';
  ctx.fillStyle = '#64748b';
  ctx.font = '11px ui-monospace, monospace';
  ctx.beginPath();
  ctx.moveTo(left, baseY + 0.5);
  ctx.lineTo(width - right, baseY + 0.5);
  ctx.stroke();
  for (let t = 0; t <= span; t += 1) ctx.fillText(`${t}s`, x(t) - 6, baseY + 16);
  const blockH = Math.min(22, (baseY - 12) / 4);
  let blocks = 0;
  for (const it of its) {
    it.labels.forEach((label, i) => {
      ctx.fillStyle = COLORS[label] ?? '#64748b';
      ctx.fillRect(x(it.time) - 5, baseY - (i + 1) * blockH, 10, blockH - 2);
      blocks++;
    });
  }
  canvas.dataset.iterations = String(its.length);
  canvas.dataset.callbacks = String(blocks);
}

function setState(state, text) {
  $('py-section').dataset.state = state;
  $('py-status').textContent = text;
  $('py-status').className = `status ${state}`;
}

function run() {
  if (py.running) return;
  py.running = true;
  py.iterations = [];
  py.lines = [];
  $('py-output').textContent = '';
  const core = $('py-core').value;
  const clock = $('py-clock').value;
  setState('running', py.worker ? 'running…' : 'loading Pyodide in a worker…');
  py.worker ??= new Worker(new URL('./python-worker.js', import.meta.url), { type: 'module' });
  py.worker.onmessage = ({ data: m }) => {
    if (m.kind === 'iteration') {
      py.iterations.push({ time: m.time, size: m.size, labels: [] });
      $('py-status').textContent = 'running…';
    } else if (m.kind === 'line') {
      py.lines.push(m.line);
      py.iterations.at(-1)?.labels.push(m.line.split(' ')[0]);
      $('py-output').textContent += `${m.line}\n`;
    } else {
      py.running = false;
      if (m.kind === 'done') setState('done', `done: ${py.lines.length} lines, ${py.iterations.length} iterations, ${m.seconds.toFixed(2)} s in the worker`);
      else setState('error', `error: ${m.message}`);
    }
    queueDraw();
  };
  py.worker.postMessage({ core, clock, file: FILE });
}

async function showSource() {
  $('py-source').textContent = await (await fetch(new URL(`../examples/python/${FILE}`, import.meta.url))).text();
}

$('py-run').addEventListener('click', run);
void showSource().then(() => {
  draw();
  setState('idle', 'ready');
});
