// Goals judged from one run's results (bench/README.md, "How the goals are judged"). A goal is a
// ratio taken side by side in the same run, per core where a core is involved, against a target:
//
//   ratioGoal('≤ 1.15 × queueMicrotask', '<=', 1.15, (r, core) => r[core].median / r.queueMicrotask.median)
//
// judged for both cores (WASM and JS; `cores` narrows it) and printed with each ratio, met ✅ or
// missed ❌. A ratio that cannot be taken (a competitor that did not run, or Python too old for
// the variant) leaves the goal unjudged (?), with the reason. `info(text, fn)` prints a figure
// beside the goals without judging it. The older form `{ text, check: (r) => boolean }` still works.

export const CORE_LABEL = { wasm: 'WASM', js: 'JS' };

/** A ratio with three significant digits: 1.00, 0.365, 12.4. */
export const fmtRatio = (x) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(3));

/** A goal on one ratio per core: `op` is '<=' or '>='; `of(results, core)` gives the ratio. */
export function ratioGoal(text, op, target, of, cores = ['wasm', 'js']) {
  return { text, op, target, of, cores };
}

/** A figure printed with the goals, not judged (ℹ). */
export function info(text, of, cores = ['wasm', 'js']) {
  return { text, of, cores, info: true };
}

const compare = (op, x, target) => (op === '<=' ? x <= target : x >= target);

/** Judges every goal of a workload: [{ text, met: true|false|null, detail }] (detail: the ratios). */
export function judge(goals, by) {
  return (goals ?? []).map((g) => {
    if (g.check) {
      let met = null;
      try {
        met = Boolean(g.check(by));
      } catch {
        met = null; // a competitor the goal needs did not run
      }
      return { text: g.text, met, detail: '' };
    }
    const parts = [];
    const verdicts = [];
    for (const core of g.cores) {
      let x;
      try {
        x = g.of(by, core);
      } catch {
        x = undefined;
      }
      const name = CORE_LABEL[core] ?? core;
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        parts.push(`${name} n/a`);
        verdicts.push(null);
        continue;
      }
      if (g.info) {
        parts.push(`${name} ${fmtRatio(x)}×`);
        continue;
      }
      const ok = compare(g.op, x, g.target);
      verdicts.push(ok);
      parts.push(`${name} ${fmtRatio(x)}× ${ok ? '✅' : '❌'}`);
    }
    const met = g.info ? 'info' : verdicts.includes(false) ? false : verdicts.includes(null) || verdicts.length === 0 ? null : true;
    return { text: g.text, met, detail: parts.join(', ') };
  });
}

/** How a judged goal prints in the summary: "✅ text: WASM 1.02× ✅, JS 1.10× ✅". */
export function goalText(g) {
  const mark = g.met === 'info' ? 'ℹ' : g.met === true ? '✅' : g.met === false ? '❌' : '?';
  return `${mark} ${g.text}${g.detail ? `: ${g.detail}` : ''}`;
}
