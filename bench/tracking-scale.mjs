/**
 * Benchmark 3, tracking at scale: 1,000,000 DecisionTelecom messages accepted quickly and then
 * tracked at once by one messenger with the memory store, its polls answered by a DecisionTelecom
 * stand-in on which each poll of a message moves it one step: pending, sent, delivered, seen. So
 * every poll sees a new status, and 4 polls per message is the minimum any poller could need.
 * The stand-in is in-process (bench/lib/dt-loopback.mjs, a `Transport` answering on a later
 * event-loop turn: four million loopback HTTP requests would take this machine ten minutes);
 * the adapter, the messenger, its hub, tracker and store are the real ones.
 * `BENCH_TRACK_TRANSPORT=http` polls the loopback HTTP server (a child process) through undici
 * instead, `BENCH_TRACK_MESSAGES` sets the number (e.g. 100000 with http).
 *
 * Measured: memory per tracked message (the JS heap plus ArrayBuffers, since the memory store
 * keeps its columns in typed arrays: after all are accepted minus before, after full GCs, over
 * the number sent), timers in use while tracking (sampled), event-loop delay p99 while
 * tracking (from the last send to the last final status; `monitorEventLoopDelay` records whole
 * intervals between its 10 ms ticks, so the resolution is subtracted), and polls per message.
 * `firstPollMs` is longer than the send phase, so all messages are tracked at once when the
 * heap is measured and the first poll of the first message comes after the last send.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, memoryStore } from '@parley/core';
import { startChild } from './lib/child.mjs';
import { dtLoopback } from './lib/dt-loopback.mjs';
import { recipients } from './lib/phones.mjs';
import { entry, report, settledHeap } from './lib/result.mjs';
import { log, msSince, round, runPool } from './lib/stats.mjs';

const MESSAGES = Number(process.env.BENCH_TRACK_MESSAGES ?? 1_000_000);
const HTTP = process.env.BENCH_TRACK_TRANSPORT === 'http';
// 64 sends in flight accept 100k messages faster here than 256 (fewer sockets, less memory).
const SEND_CONCURRENCY = 64;
const WARMUP = 256;
// Polls at F, F + 5, F + 10 and F + 15 s after each acceptance: the first after the whole send
// phase (100,000 sends take 16 s over HTTP here; 1,000,000 in process about 30 s).
const FIRST_POLL_MS = Number(
  process.env.BENCH_TRACK_FIRST_POLL_MS ??
    (HTTP ? 25_000 : 40_000) * Math.max(1, MESSAGES / (HTTP ? 100_000 : 1_000_000)),
);
const MAX_INTERVAL_MS = Number(process.env.BENCH_TRACK_MAX_INTERVAL_MS ?? 5_000);
// The histogram records the whole interval between its ticks: the delay is that less the resolution.
const ELD_RESOLUTION_MS = 10;
const GIVE_UP_MS = Math.max(240_000, MESSAGES * 0.4);

const loopback = HTTP ? undefined : dtLoopback();
const server = HTTP
  ? await startChild(new URL('./lib/dt-server.mjs', import.meta.url))
  : // never dialled: the in-process transport answers
    { url: 'http://127.0.0.1:9', call: async () => loopback.stats(), close: async () => {} };
const messenger = createMessenger(
  {
    provider: 'decisiontelecom',
    apiKey: 'bench-key',
    sender: 'Acme',
    baseUrl: `${server.url}/decisiontelecom/v1/api`,
    tracking: { firstPollMs: FIRST_POLL_MS, maxIntervalMs: MAX_INTERVAL_MS },
  },
  { providers: [decisionTelecom], store: memoryStore(), ...(loopback ? { transport: loopback.transport } : {}) },
);
/** The JS heap plus ArrayBuffers (where typed arrays keep their contents), after full GCs. */
const settledMemory = () => settledHeap() + process.memoryUsage().arrayBuffers;

let finals = 0;
let errors = 0;
let allFinal;
const done = new Promise((resolve) => {
  allFinal = resolve;
});
messenger.on('status', (update) => {
  if (update.final && ++finals === MESSAGES + WARMUP) allFinal();
});
messenger.on('error', () => {
  errors++;
});

const phones = recipients(4096);
let cursor = 0;
const send = () => messenger.send({ type: 'text', to: phones[cursor++ & 4095], text: 'Hola' });
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

// Warm-up: the connection pool at its full size, and the code paths compiled.
await runPool(WARMUP, SEND_CONCURRENCY, send);
const heapBefore = settledMemory();
const timersBefore = timers();

const sendStart = process.hrtime.bigint();
await runPool(MESSAGES, SEND_CONCURRENCY, send);
const sendMs = msSince(sendStart);
const heapAfter = settledMemory();
const atMeasure = await server.call('stats');
const perMessage = (heapAfter - heapBefore) / MESSAGES;
log(
  `tracking-scale (${HTTP ? 'loopback HTTP' : 'in-process transport'}, first poll ${FIRST_POLL_MS / 1000} s): ${MESSAGES} sends in ${round(sendMs / 1000, 1)} s (${Math.round((MESSAGES / sendMs) * 1000)}/s); ` +
    `heap+arrayBuffers ${round(heapBefore / 2 ** 20, 1)} → ${round(heapAfter / 2 ** 20, 1)} MiB = ${round(perMessage, 1)} B per message; ` +
    `polls so far ${atMeasure.polls} (0: all ${MESSAGES + WARMUP} tracked at once)`,
);

// The tracking phase: from now until every message is final.
const delay = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
delay.enable();
let maxTimers = 0;
const sampler = setInterval(() => {
  maxTimers = Math.max(maxTimers, timers());
}, 100);
const trackStart = process.hrtime.bigint();
let timedOut = false;
const giveUp = setTimeout(() => {
  timedOut = true;
  allFinal();
}, GIVE_UP_MS);
await done;
const trackMs = msSince(trackStart);
clearTimeout(giveUp);
clearInterval(sampler);
delay.disable();
// The sampler itself is one of the timers it counted.
maxTimers -= 1;
const stats = await server.call('stats');
await messenger.close();
await server.close();

const lateness = (ns) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
const p99 = lateness(delay.percentile(99));
const tracked = MESSAGES + WARMUP;
const pollsPerMessage = stats.polls / tracked;
log(
  `  tracking took ${round(trackMs / 1000, 1)} s${timedOut ? ' (GAVE UP)' : ''}: ${finals}/${tracked} final, ` +
    `${stats.polls} polls (${stats.pollsAfterFinal} after final, most for one message ${stats.maxPolls}), ${errors} errors; ` +
    `timers ${timersBefore} before, at most ${maxTimers} while tracking; event-loop delay p50 ${round(lateness(delay.percentile(50)), 1)} ms, ` +
    `p99 ${round(p99, 1)} ms, max ${round(lateness(delay.max), 1)} ms`,
);

report({
  'tracking.heap-per-message': entry({
    value: perMessage,
    target: `≤ 400 bytes (heap + ArrayBuffers, ${MESSAGES} tracked at once)`,
    pass: perMessage <= 400,
    digits: 0,
  }),
  'tracking.timers': entry({
    value: maxTimers,
    target: `≤ 16 while tracking ${MESSAGES} messages (not per message)`,
    pass: maxTimers <= 16,
    digits: 0,
  }),
  'tracking.event-loop-p99-ms': entry({
    value: p99,
    target: '≤ 20 ms',
    pass: p99 <= 20 && !timedOut,
    digits: 1,
  }),
  'tracking.polls-per-message': entry({
    value: pollsPerMessage,
    baseline: stats.minPolls,
    target: `ratio ≤ 1.05 (polls until final vs ${stats.minPolls}, the minimum), all final`,
    pass: pollsPerMessage / stats.minPolls <= 1.05 && finals === tracked && !timedOut,
    digits: 3,
  }),
});
