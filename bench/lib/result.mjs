/**
 * One line of `bench/results.json`: `{ value, baseline?, ratio?, target, pass }`.
 * `ratio` is always `value / baseline`; `target` says which way is good.
 */
import { round } from './stats.mjs';

export function entry({ value, baseline, target, pass, digits = 3 }) {
  const out = { value: round(value, digits) };
  if (baseline !== undefined) {
    out.baseline = round(baseline, digits);
    out.ratio = round(value / baseline, 3);
  }
  out.target = target;
  out.pass = Boolean(pass);
  return out;
}

/** Sends a benchmark's entries to bench/run.mjs (or prints them when run on its own). */
export function report(entries) {
  if (process.send) process.send({ type: 'result', entries });
  else process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
}

/** Calls `global.gc` until the heap stops shrinking (the process runs with --expose-gc). */
export function settledHeap() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    global.gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 64 * 1024) return used;
    last = used;
  }
  return process.memoryUsage().heapUsed;
}
