/**
 * Benchmark 7, cold send: what a serverless cold start pays for Parley. Fresh `node`
 * processes each send ONE DecisionTelecom text message to a loopback stand-in
 * (lib/dt-server.mjs, a child process of its own) and print the provider's id:
 *
 *   parley  lib/cold/parley.mjs  import @parley/core + @parley/adapter-decisiontelecom,
 *                                createMessenger (default config), messenger.send
 *   undici  lib/cold/undici.mjs  the same request by hand with raw `undici.request` (npm undici)
 *   fetch   lib/cold/fetch.mjs   the same request by hand with Node's global `fetch`
 *   minimal-undici  lib/cold/minimal-undici.mjs  raw undici plus the recipient check that
 *                                gives Parley's verdicts (libphonenumber-js core + "min" metadata,
 *                                loaded as core loads them), as a careful user would write it
 *   minimal-fetch   lib/cold/minimal-fetch.mjs   the same on global fetch
 *   bare    lib/cold/bare.mjs    a bare node start that prints a line
 *
 * The minimal clients are what a hand-written client that checks recipients as Parley does
 * (before any network call, with identical verdicts) costs: `cold-send.minimal-vs-undici` and
 * `.minimal-vs-fetch` show how much of each target's allowance the recipient check alone takes
 * when `undici` is imported as users import it (its whole entry).
 *
 * Measured: from `spawn()` to the moment the child's answer line (the provider's message id)
 * reaches this process on the child's stdout. Each child exits with `process.exit(0)` right
 * after printing, so nothing it leaves behind (keep-alive sockets, timers) is counted; spawn to
 * exit is reported as well. ROUNDS rounds; in each, one process of every variant, in an order
 * that rotates from round to round. The figures are the medians of the per-round ratios
 * (parley ÷ undici, parley ÷ fetch), so a slow moment of the shared machine hits both sides of
 * a ratio alike.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/child.mjs';
import { entry, report } from './lib/result.mjs';
import { log, median, round } from './lib/stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 41);
const WARMUP = 3;
const TARGET_UNDICI = 1.1;
const TARGET_FETCH = 1.3;
const VARIANTS = ['parley', 'undici', 'fetch', 'minimal-undici', 'minimal-fetch', 'bare'];

const server = await startChild(new URL('./lib/dt-server.mjs', import.meta.url));
const baseUrl = `${server.url}/decisiontelecom/v1/api`;

/** One fresh process: ms from spawn to its answer line, and to its exit. */
function coldRun(variant) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(HERE, 'lib/cold', `${variant}.mjs`), baseUrl], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let answerMs;
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (answerMs === undefined && out.includes('\n')) answerMs = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const exitMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0 || answerMs === undefined || !/^\d+\n$/.test(out)) {
        reject(new Error(`${variant} failed (exit ${code}): ${out} ${err}`));
      } else {
        resolve({ answerMs, exitMs });
      }
    });
  });
}

log(`cold-send: ${ROUNDS} rounds of ${VARIANTS.join(', ')} (fresh processes), server ${server.url}`);
for (let i = 0; i < WARMUP; i++) for (const v of VARIANTS) await coldRun(v); // warm the file cache

const times = Object.fromEntries(VARIANTS.map((v) => [v, []]));
const exits = Object.fromEntries(VARIANTS.map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
  for (const v of order) {
    const { answerMs, exitMs } = await coldRun(v);
    times[v].push(answerMs);
    exits[v].push(exitMs);
  }
}
const stats = await server.call('stats');
await server.close();

const ratios = (a, b, source = times) => source[a].map((t, i) => t / source[b][i]);
const rUndici = median(ratios('parley', 'undici'));
const rFetch = median(ratios('parley', 'fetch'));
const med = Object.fromEntries(VARIANTS.map((v) => [v, median(times[v])]));
log(
  `  median ms to the answer: ${VARIANTS.map((v) => `${v} ${round(med[v], 1)}`).join(', ')}; ` +
    `to exit: ${VARIANTS.map((v) => `${v} ${round(median(exits[v]), 1)}`).join(', ')}`,
);
log(
  `  median of pairwise ratios: parley/undici ${round(rUndici, 3)}, parley/fetch ${round(rFetch, 3)}, ` +
    `minimal-undici/undici ${round(median(ratios('minimal-undici', 'undici')), 3)}, ` +
    `minimal-fetch/fetch ${round(median(ratios('minimal-fetch', 'fetch')), 3)}, ` +
    `parley/minimal-undici ${round(median(ratios('parley', 'minimal-undici')), 3)}, ` +
    `undici/fetch ${round(median(ratios('undici', 'fetch')), 3)}, ` +
    `undici/bare ${round(median(ratios('undici', 'bare')), 3)}, fetch/bare ${round(median(ratios('fetch', 'bare')), 3)}, ` +
    `parley/bare ${round(median(ratios('parley', 'bare')), 3)}; to exit: parley/undici ` +
    `${round(median(ratios('parley', 'undici', exits)), 3)}, parley/fetch ${round(median(ratios('parley', 'fetch', exits)), 3)}`,
);
log(`  server answered ${stats.sends} sends`);

/** An entry whose `ratio` is the median of the pairwise ratios (not the ratio of the medians). */
function ratioEntry(value, baseline, ratio, target, limit) {
  const out = entry({ value, baseline, target, pass: ratio <= limit, digits: 1 });
  out.ratio = round(ratio, 3);
  return out;
}

report({
  'cold-send.vs-undici': ratioEntry(
    med.parley,
    med.undici,
    rUndici,
    `ratio ≤ ${TARGET_UNDICI} (ms spawn → answer, median of pairwise ratios vs raw undici.request)`,
    TARGET_UNDICI,
  ),
  'cold-send.vs-fetch': ratioEntry(
    med.parley,
    med.fetch,
    rFetch,
    `ratio ≤ ${TARGET_FETCH} (ms spawn → answer, median of pairwise ratios vs global fetch)`,
    TARGET_FETCH,
  ),
  'cold-send.minimal-vs-undici': ratioEntry(
    med['minimal-undici'],
    med.undici,
    median(ratios('minimal-undici', 'undici')),
    'reported (raw undici + the recipient check vs raw undici: the check alone)',
    Number.POSITIVE_INFINITY,
  ),
  'cold-send.minimal-vs-fetch': ratioEntry(
    med['minimal-fetch'],
    med.fetch,
    median(ratios('minimal-fetch', 'fetch')),
    'reported (global fetch + the recipient check vs global fetch: the check alone)',
    Number.POSITIVE_INFINITY,
  ),
  'cold-send.vs-minimal-undici': ratioEntry(
    med.parley,
    med['minimal-undici'],
    median(ratios('parley', 'minimal-undici')),
    'reported (Parley vs raw undici + the recipient check)',
    Number.POSITIVE_INFINITY,
  ),
  'cold-send.vs-bare-node': ratioEntry(
    med.parley,
    med.bare,
    median(ratios('parley', 'bare')),
    'reported (ms spawn → answer vs a bare node start printing a line)',
    Number.POSITIVE_INFINITY,
  ),
});
