/**
 * Benchmark: the dev phone never slows the provider endpoints. Messages per second of
 * `messenger.send` (DecisionTelecom, tracking off, 32 in flight) against the real simulator
 * (child process) holding 10 000 messages, with 100 dev-phone pages open (another child
 * process, see lib/sse-pages.mjs) against the same run with none. Rounds alternate between
 * the two; each figure is the median of its rounds. Target: the ratio drops by at most 5 %.
 * Also reported: the simulator process's own CPU per send with and without the pages. On a
 * small shared machine the pages' process and the kernel's loopback traffic take CPU from the
 * client, so the rate ratio measures the machine as much as the simulator; the CPU figure is
 * the simulator's share alone.
 */
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, memoryStore } from '@parley/core';
import { startChild } from './lib/child.mjs';
import { recipients } from './lib/phones.mjs';
import { entry, report } from './lib/result.mjs';
import { log, median, round, runFor, runPool } from './lib/stats.mjs';

const CONCURRENCY = 32;
const PAGES = 100;
const PRELOAD = 10_000;
const ROUND_MS = Number(process.env.BENCH_PHONE_ROUND_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_PHONE_ROUNDS ?? 6);
const TARGET = 0.95;
const SETTLE_MS = 1_000;

const sim = await startChild(new URL('./lib/sim-server.mjs', import.meta.url), {
  execArgv: process.env.BENCH_PHONE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/phone-prof'] : [],
});
const pages = await startChild(new URL('./lib/sse-pages.mjs', import.meta.url));
const { baseUrl } = sim.info;
const phones = recipients(4096);
let cursor = 0;

function messenger() {
  return createMessenger(
    { provider: 'decisiontelecom', apiKey: 'bench-key', sender: 'Acme', baseUrl, tracking: false },
    { providers: [decisionTelecom], store: memoryStore() },
  );
}

const cpuUs = { none: [], pages: [] };
const loopP99 = { none: [], pages: [] };
async function round1(ms, variant) {
  const m = messenger();
  await sim.call('loop');
  const before = await sim.call('cpu');
  const pagesBefore = (await pages.call('stats')).cpu;
  const clientBefore = process.cpuUsage();
  const { completed, ms: took } = await runFor(ms, CONCURRENCY, () =>
    m.send({ type: 'text', to: phones[cursor++ & 4095], text: 'Hola' }),
  );
  const after = await sim.call('cpu');
  const loop = await sim.call('loop');
  loopP99[variant]?.push(loop.p99);
  const pagesAfter = (await pages.call('stats')).cpu;
  const client = process.cpuUsage(clientBefore);
  if (process.env.BENCH_PHONE_VERBOSE) {
    log(
      `    ${variant}: pages process ${Math.round((pagesAfter.user - pagesBefore.user + pagesAfter.system - pagesBefore.system) / 1000)} ms CPU, client ${Math.round((client.user + client.system) / 1000)} ms, simulator ${Math.round((after.user - before.user + after.system - before.system) / 1000)} ms in ${Math.round(took)} ms, simulator loop delay p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms`,
    );
  }
  cpuUs[variant]?.push((after.user - before.user + after.system - before.system) / completed);
  await m.close();
  return (completed / took) * 1000;
}

log(
  `dev-phone: ${PRELOAD} messages kept, ${ROUNDS} rounds of ${ROUND_MS} ms per variant, ${PAGES} pages, ${CONCURRENCY} in flight`,
);
{
  const m = messenger();
  await runPool(PRELOAD, CONCURRENCY, () => m.send({ type: 'text', to: phones[cursor++ & 4095], text: 'Hola' }));
  await m.close();
}
await round1(600); // warm-up

const rates = { none: [], pages: [] };
let openPages = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['none', 'pages'] : ['pages', 'none'];
  for (const variant of order) {
    if (process.env.BENCH_PHONE_ONLY && variant !== process.env.BENCH_PHONE_ONLY) continue;
    if (variant === 'pages') {
      await pages.call('open', { url: sim.url, count: PAGES });
      openPages = (await sim.call('stats')).openPages;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS)); // measure pages that are open, not opening
    }
    rates[variant].push(await round1(ROUND_MS, variant));
    if (variant === 'pages') await pages.call('close');
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the closes land
  }
  log(
    `  round ${r + 1}: none ${Math.round(rates.none.at(-1))}/s (${Math.round(cpuUs.none.at(-1))} µs simulator CPU/send), ` +
      `pages ${Math.round(rates.pages.at(-1))}/s (${Math.round(cpuUs.pages.at(-1))} µs)`,
  );
}
const stats = await sim.call('stats');
const wire = await pages.call('stats');
await pages.close();
await sim.close();

const none = median(rates.none);
const withPages = median(rates.pages);
log(
  `  median msg/s: none ${Math.round(none)}, ${PAGES} pages ${Math.round(withPages)} (ratio ${round(withPages / none, 3)}); ` +
    `pages were open: ${openPages}; messages kept: ${stats.messages}; page traffic ${Math.round(wire.bytes / 1024)} KiB, ${wire.resyncs} resyncs`,
);

report({
  'dev-phone.send-with-100-pages': entry({
    value: withPages,
    baseline: none,
    target: `ratio ≥ ${TARGET} (msg/s against the simulator with ${PAGES} pages open and ${PRELOAD} messages kept vs none open)`,
    pass: withPages / none >= TARGET && openPages === PAGES,
    digits: 0,
  }),
  'dev-phone.simulator-loop-p99-ms': entry({
    value: median(loopP99.pages),
    baseline: median(loopP99.none),
    target: `reported (the simulator's event-loop delay p99 during the rounds, ${PAGES} pages open vs none)`,
    pass: true,
    digits: 1,
  }),
  'dev-phone.simulator-cpu-per-send': entry({
    value: median(cpuUs.pages),
    baseline: median(cpuUs.none),
    target: `reported (the simulator process's CPU µs per send, ${PAGES} pages open vs none)`,
    pass: true,
    digits: 1,
  }),
});
