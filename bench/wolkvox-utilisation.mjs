/**
 * Benchmark 2, Wolkvox token utilisation: 200 sends fired at once through two messengers that
 * share one token, against the Wolkvox simulator (a child process) answering after 50 ms and
 * refusing a third simultaneous request of a token with the documented 403. The ideal is the
 * token's two slots never idle: 2 ÷ 50 ms = 40 sends/s, so 200 sends in 5 s. The figure is the
 * median of RUNS runs; the 403 count and the most requests in flight are the worst of them.
 * A reference client (two loops of raw undici.request, one per slot, which cannot do better)
 * runs between them: it shows how much of the gap to the ideal is the server's and loopback's.
 */
import { wolkvox } from '@parley/adapter-wolkvox';
import { createMessenger } from '@parley/core';
import { request } from 'undici';
import { startChild } from './lib/child.mjs';
import { recipients } from './lib/phones.mjs';
import { entry, report } from './lib/result.mjs';
import { log, median, msSince, round } from './lib/stats.mjs';

const SENDS = 200;
const LATENCY_MS = 50;
const SLOTS = 2;
const RUNS = Number(process.env.BENCH_WOLKVOX_RUNS ?? 3);
const TARGET = 0.95;
const TOKEN = 'bench-token';

const server = await startChild(new URL('./lib/wolkvox-server.mjs', import.meta.url), {
  env: { LATENCY_MS: String(LATENCY_MS), WOLKVOX_TOKEN: TOKEN },
});
const config = { provider: 'wolkvox', token: TOKEN, server: '0042', connectorId: '1', baseUrl: server.info.baseUrl };
// Two messengers, as two parts of an app would make them: they share the token, and so the
// process-wide limiter's two slots for it, but not their HTTP connection pools.
const messengers = [
  createMessenger(config, { providers: [wolkvox] }),
  createMessenger(config, { providers: [wolkvox] }),
];
const phones = recipients(SENDS);
const template = (i) => ({ type: 'template', to: phones[i], name: 'welcome', variables: ['Ana'] });

async function fire(count) {
  const start = process.hrtime.bigint();
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => messengers[i % messengers.length].send(template(i))),
  );
  const ms = msSince(start);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} sends failed; first: ${failed[0].reason}`);
  return ms;
}

const sendUrl = `${server.info.baseUrl}/whatsapp.php?api=send_template_official`;
const rawHeaders = { 'wolkvox-token': TOKEN, 'content-type': 'application/json' };

/** The reference: SLOTS loops, each sending the next template as soon as its previous one is answered. */
async function fireRaw(count) {
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
      const body = JSON.stringify({
        connector_id: '1',
        telephone: phones[i].replace(/\D/g, ''),
        template_name: 'welcome',
        template_vars: 'Ana',
      });
      const res = await request(sendUrl, { method: 'POST', headers: rawHeaders, body });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`raw send answered ${res.statusCode}`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: SLOTS }, loop));
  return msSince(start);
}

// Warm-up: each messenger, and the reference client, opens its connections.
await fire(8);
await fireRaw(4);
const rawTimes = [];
const idealMs = (SENDS / SLOTS) * LATENCY_MS;
const times = [];
let concurrency403 = 0;
let maxInFlight = 0;
for (let run = 0; run < RUNS; run++) {
  await server.call('reset');
  const ms = await fire(SENDS);
  const stats = await server.call('stats');
  times.push(ms);
  concurrency403 = Math.max(concurrency403, stats.concurrency403);
  maxInFlight = Math.max(maxInFlight, stats.concurrency.maxInFlight);
  await server.call('reset');
  rawTimes.push(await fireRaw(SENDS));
  log(
    `  run ${run + 1}: ${SENDS} sends in ${round(ms, 1)} ms (ideal ${idealMs}), ` +
      `${stats.concurrency403} concurrency 403s, most in flight ${stats.concurrency.maxInFlight}, accepted ${stats.counts.accepted}; reference ${round(rawTimes.at(-1), 1)} ms`,
  );
}
await Promise.all(messengers.map((m) => m.close()));
await server.close();

const measuredMs = median(times);
const idealRate = (SLOTS / LATENCY_MS) * 1000;
const rate = (SENDS / measuredMs) * 1000;
log(
  `wolkvox-utilisation: median ${round(measuredMs, 1)} ms for ${SENDS} sends → ${round(rate, 2)}/s of ideal ${idealRate}/s`,
);

report({
  'wolkvox.utilisation': entry({
    value: rate,
    baseline: idealRate,
    target: `ratio ≥ ${TARGET} (sends/s vs ideal 2 ÷ 50 ms)`,
    pass: rate / idealRate >= TARGET,
    digits: 2,
  }),
  'wolkvox.vs-raw-2-slot': entry({
    value: rate,
    baseline: (SENDS / median(rawTimes)) * 1000,
    target: 'reported (sends/s vs two loops of raw undici.request on the same server)',
    pass: true,
    digits: 2,
  }),
  'wolkvox.concurrency-403s': entry({ value: concurrency403, target: '= 0', pass: concurrency403 === 0 }),
  'wolkvox.max-in-flight': entry({ value: maxInFlight, target: '≤ 2 per token', pass: maxInFlight <= SLOTS }),
});
