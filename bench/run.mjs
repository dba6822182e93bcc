/**
 * `pnpm bench`: runs each benchmark in its own `node --expose-gc` child process (so heaps and
 * JIT state never mix), prints one table and writes bench/results.json as
 * `{ "<name>": { value, baseline?, ratio?, target, pass } }`.
 *
 *   node bench/run.mjs                       # all of them
 *   node bench/run.mjs send-overhead footprint   # some (merged into an existing results.json)
 *
 * Exits 1 if a benchmark crashed, or (with BENCH_STRICT=1) if any entry misses its target or
 * has no finite value, or a benchmark reported no entry: `BENCH_STRICT=1 pnpm bench` exits 0
 * only when every target is met.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'results.json');
const BENCHMARKS = [
  'send-overhead',
  'wolkvox-utilisation',
  'redis-wolkvox-handoff',
  'tracking-scale',
  'redis-tracking',
  'footprint',
  'cold-send',
  'dev-phone',
  'bulk-rate',
  'bulk-rate-redis',
];

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!BENCHMARKS.includes(name)) {
    console.error(`unknown benchmark ${name}; known: ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
}
const selected = wanted.length > 0 ? wanted : BENCHMARKS;

function runOne(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = fork(join(HERE, `${name}.mjs`), [], { execArgv: ['--expose-gc'], stdio: 'inherit' });
    let entries;
    child.on('message', (message) => {
      if (message?.type === 'result') entries = message.entries;
    });
    child.on('exit', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      if (code === 0 && entries) {
        console.error(`[bench] ${name} done in ${seconds} s`);
        resolve(entries);
      } else {
        console.error(`[bench] ${name} FAILED (exit ${code ?? signal}) after ${seconds} s`);
        resolve({ [`${name}.completed`]: { value: 0, target: 'the benchmark completes', pass: false } });
      }
    });
  });
}

const machine = `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
console.error(`[bench] ${machine}`);
const results = {};
let crashed = false;
for (const name of selected) {
  const entries = await runOne(name);
  if (entries[`${name}.completed`]) crashed = true;
  Object.assign(results, entries);
}

let merged = results;
if (wanted.length > 0) {
  try {
    merged = { ...JSON.parse(readFileSync(RESULTS, 'utf8')), ...results };
  } catch {
    // no earlier results
  }
}
writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);

const fmt = (n) => (n === undefined ? '' : typeof n === 'number' ? String(n) : String(n));
const rows = Object.entries(results).map(([name, r]) => [
  name,
  fmt(r.value),
  fmt(r.baseline),
  fmt(r.ratio),
  r.target,
  r.pass ? 'pass' : 'MISS',
]);
const header = ['benchmark', 'value', 'baseline', 'ratio', 'target', 'pass'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) =>
  `| ${cells.map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
console.log(`\n${machine}\n`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(`\nwritten to ${RESULTS}`);

// A target missed, a figure that is not a number (a "reported" entry too), or a benchmark
// that reported nothing: all misses under BENCH_STRICT=1.
const missed =
  Object.values(results).some((r) => r.pass !== true || !Number.isFinite(r.value)) ||
  selected.some((name) => !Object.keys(results).some((key) => key.startsWith(`${name}.`)));
process.exit(crashed || (missed && process.env.BENCH_STRICT === '1') ? 1 : 0);
