/**
 * Benchmark: hand-off of Wolkvox's two slots per token across processes through @parley/redis.
 * Three Node processes (packages/redis/test-support/wolkvox-sender.mjs), each with its own
 * messenger, `redisLimiter` and `redisStore`, send PER_PROCESS templates each at once with one
 * shared token to the Wolkvox simulator (a child process answering after 100 ms, and refusing a
 * third simultaneous request of a token with the documented 403). The ideal keeps both slots
 * busy: 2 ÷ 100 ms = 20 sends/s. The figure is sends ÷ the busy span at the server (first
 * request to last answer), the median of RUNS runs, against that ideal; the same sends from one
 * process through core's in-memory limiter (no Redis, the fastest hand-off there is) run in
 * the same run as a reference, and so do two loops of raw HTTP requests (one per slot, each
 * sending the next request as soon as its previous one is answered: what this machine's
 * loopback and simulator allow at the moment, with no limiter at all). Needs redis-server on the PATH (started here, on a free port).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wolkvox } from '@parley/adapter-wolkvox';
import { createMessenger } from '@parley/core';
import { request } from 'undici';
import { startChild } from './lib/child.mjs';
import { startRedisServer } from './lib/redis-server.mjs';
import { entry, report } from './lib/result.mjs';
import { log, median, round } from './lib/stats.mjs';

const LATENCY_MS = 100;
const SLOTS = 2;
const PROCESSES = 3;
const PER_PROCESS = Number(process.env.BENCH_HANDOFF_SENDS ?? 40);
const RUNS = Number(process.env.BENCH_HANDOFF_RUNS ?? 3);
const TARGET = 0.95;
const TOTAL = PROCESSES * PER_PROCESS;
const IDEAL = (SLOTS / LATENCY_MS) * 1000;

const redis = await startRedisServer();
const server = await startChild(new URL('./lib/wolkvox-span-server.mjs', import.meta.url), {
  env: { LATENCY_MS: String(LATENCY_MS) },
});
const baseUrl = server.info.baseUrl;
const SENDER = fileURLToPath(new URL('../packages/redis/test-support/wolkvox-sender.mjs', import.meta.url));

function sender(index) {
  const child = fork(SENDER, [JSON.stringify({ redisUrl: redis.url, baseUrl, warmUpToken: `warm-${index}` })], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox = [];
  const waiting = [];
  child.on('message', (message) => {
    const i = waiting.findIndex((w) => w.type === message.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(message);
    else inbox.push(message);
  });
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`a sender exited (${code})`));
  });
  return {
    child,
    next(type) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve, reject) => waiting.push({ type, resolve, reject }));
    },
  };
}

const senders = Array.from({ length: PROCESSES }, (_, i) => sender(i));
await Promise.all(senders.map((s) => s.next('ready')));

/**
 * `burst`: each process fires its sends at once, so each joins the line as a block and most
 * hand-offs stay inside a process. `interleaved`: the processes take turns (one send every
 * SPACING_MS each, staggered), so two hand-offs in three go from one process to another.
 */
const SPACING_MS = 6;
async function redisRun(run, mode) {
  const token = `handoff-${mode}-${process.pid}-${run}`;
  senders.forEach((s, id) => {
    const spacing = mode === 'interleaved' ? { spacingMs: SPACING_MS, offsetMs: (id * SPACING_MS) / PROCESSES } : {};
    s.child.send({ type: 'go', token, count: PER_PROCESS, id, ...spacing });
  });
  const done = await Promise.all(senders.map((s) => s.next('done')));
  const failed = done.flatMap((d) => Object.entries(d.errors));
  if (failed.length > 0) throw new Error(`sends failed: ${JSON.stringify(failed)}`);
  return server.call('stats', { token });
}

/** The reference: the same sends from this process, through core's in-memory limiter. */
async function memoryRun(run) {
  const token = `memory-${process.pid}-${run}`;
  const config = { provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl };
  const messengers = Array.from({ length: PROCESSES }, () => createMessenger(config, { providers: [wolkvox] }));
  const to = '+57 300 123 4567';
  await Promise.all(
    Array.from({ length: TOTAL }, (_, i) =>
      messengers[i % PROCESSES].send({ type: 'template', to, name: 'welcome', variables: [`m${i}`] }),
    ),
  );
  await Promise.all(messengers.map((m) => m.close()));
  return server.call('stats', { token });
}

/** The ceiling: SLOTS loops of raw undici.request, no limiter, no messenger. */
async function rawRun(run) {
  const token = `raw-${process.pid}-${run}`;
  const url = `${baseUrl}/whatsapp.php?api=send_template_official`;
  const headers = { 'wolkvox-token': token, 'content-type': 'application/json' };
  let next = 0;
  const loop = async () => {
    while (next < TOTAL) {
      next++;
      const body = JSON.stringify({
        connector_id: '1',
        telephone: '573001234567',
        template_name: 'welcome',
        template_vars: 'Ana',
      });
      const res = await request(url, { method: 'POST', headers, body });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`raw send answered ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: SLOTS }, loop));
  return server.call('stats', { token });
}

// Warm-up of the reference path (the senders warmed up themselves).
await memoryRun('warm');
await rawRun('warm');
const rates = { burst: [], interleaved: [] };
const memoryRates = [];
const rawRates = [];
let worst403 = 0;
let worstInFlight = 0;
for (let run = 0; run < RUNS; run++) {
  await server.call('reset');
  const line = [];
  for (const mode of ['burst', 'interleaved']) {
    const stats = await redisRun(run, mode);
    if (stats.accepted !== TOTAL) throw new Error(`only ${stats.accepted} of ${TOTAL} accepted`);
    const rate = (TOTAL / stats.spanMs) * 1000;
    rates[mode].push(rate);
    worst403 = Math.max(worst403, stats.concurrency403);
    worstInFlight = Math.max(worstInFlight, stats.maxInFlight);
    line.push(
      `${mode}: busy span ${round(stats.spanMs, 1)} ms → ${round(rate / IDEAL, 3)} (most in flight ${stats.maxInFlight}, 403s ${stats.concurrency403})`,
    );
  }
  const reference = await memoryRun(run);
  const raw = await rawRun(run);
  const memoryRate = (TOTAL / reference.spanMs) * 1000;
  const rawRate = (TOTAL / raw.spanMs) * 1000;
  memoryRates.push(memoryRate);
  rawRates.push(rawRate);
  log(
    `  run ${run + 1}, ${TOTAL} sends from ${PROCESSES} processes (ideal span ${(TOTAL / IDEAL) * 1000} ms), ratio to ideal: ` +
      `${line.join('; ')}; memory limiter, 1 process: ${round(memoryRate / IDEAL, 3)}; raw 2-slot loops: ${round(rawRate / IDEAL, 3)}`,
  );
}
for (const s of senders) s.child.send({ type: 'exit' });
await Promise.all(senders.map((s) => new Promise((resolve) => s.child.once('exit', resolve))));
await server.close();
await redis.stop();

const rate = median(rates.burst);
const interleaved = median(rates.interleaved);
log(
  `redis-wolkvox-handoff: median ${round(rate, 2)}/s (burst), ${round(interleaved, 2)}/s (interleaved) of ideal ${IDEAL}/s`,
);
report({
  'redis-handoff.utilisation': entry({
    value: rate,
    baseline: IDEAL,
    target: `ratio ≥ ${TARGET} (3 processes, 1 token, sends/s over the server's busy span vs 2 ÷ 100 ms)`,
    pass: rate / IDEAL >= TARGET,
    digits: 2,
  }),
  'redis-handoff.utilisation-interleaved': entry({
    value: interleaved,
    baseline: IDEAL,
    target: `ratio ≥ ${TARGET} (the same, processes taking turns: 2 hand-offs in 3 cross processes)`,
    pass: interleaved / IDEAL >= TARGET,
    digits: 2,
  }),
  'redis-handoff.vs-memory-limiter': entry({
    value: rate,
    baseline: median(memoryRates),
    target: 'reported (vs the same sends from 1 process through the in-memory limiter)',
    pass: true,
    digits: 2,
  }),
  'redis-handoff.vs-raw-2-slot': entry({
    value: rate,
    baseline: median(rawRates),
    target: 'reported (vs two loops of raw undici.request, no limiter, on the same server)',
    pass: true,
    digits: 2,
  }),
  'redis-handoff.concurrency-403s': entry({ value: worst403, target: '= 0', pass: worst403 === 0 }),
  'redis-handoff.max-in-flight': entry({ value: worstInFlight, target: '≤ 2 per token', pass: worstInFlight <= SLOTS }),
});
