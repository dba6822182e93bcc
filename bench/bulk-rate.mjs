/**
 * Bulk sending at the provider's limit: 5,000 DecisionTelecom messages against a loopback
 * server (a child process) that allows R = 200 requests/s (token bucket, burst 10, 429 beyond
 * it, no `Retry-After`). Goodput is accepted sends per second over the server's busy span
 * (first request to last answer), as a ratio of R; the 429 share is of all requests it got.
 *
 * Three ways, one run, each with a fresh limiter (so no rate is learned from the one before):
 * - `sendMany` (the target: ≥ 0.95 R, ≤ 2 % 429s);
 * - the naive `Promise.all` of `send`, with core's rate control (what a user writes today);
 * - the same `Promise.all` with a limiter without rate control (Parley before it, for scale).
 */
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, memoryLimiter, memoryStore } from '@parley/core';
import { startChild } from './lib/child.mjs';
import { recipients } from './lib/phones.mjs';
import { entry, report } from './lib/result.mjs';
import { log, round } from './lib/stats.mjs';

const R = 200;
const MESSAGES = Number(process.env.BENCH_BULK_MESSAGES ?? 5000);
const GOODPUT_TARGET = 0.95;
const SHARE_TARGET = 0.02;

const server = await startChild(new URL('./lib/dt-rate-server.mjs', import.meta.url), {
  env: { RATE: String(R), BURST: '10' },
});
const phones = recipients(MESSAGES);
const message = (i) => ({ type: 'text', to: phones[i], text: 'Hola' });

function messenger(limiter) {
  return createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: 'bench-key',
      sender: 'Acme',
      baseUrl: `${server.url}/decisiontelecom/v1/api`,
    },
    { providers: [decisionTelecom], store: memoryStore(), limiter },
  );
}

async function measure(name, limiter, run) {
  const m = messenger(limiter);
  await server.call('reset');
  let ok = 0;
  let failed = 0;
  await run(m, (settled) => {
    if (settled) ok++;
    else failed++;
  });
  const stats = await server.call('stats');
  await m.close();
  const goodput = (stats.accepted / stats.spanMs) * 1000;
  const share = stats.refused / (stats.accepted + stats.refused);
  log(
    `  ${name}: ${ok} ok, ${failed} failed; server accepted ${stats.accepted}, answered ${stats.refused} 429s ` +
      `(${round(share * 100, 2)} %) in ${round(stats.spanMs / 1000, 2)} s → ${round(goodput, 1)}/s of ${R}/s`,
  );
  if (stats.accepted !== ok) throw new Error(`${name}: the server accepted ${stats.accepted} but ${ok} sends resolved`);
  return { goodput, share, ok, failed };
}

const viaSendMany = (m, tally) =>
  (async () => {
    for await (const outcome of m.sendMany(
      Array.from({ length: MESSAGES }, (_, i) => message(i)),
      {},
    ))
      tally(outcome.ok);
  })();
const viaPromiseAll = (m, tally) =>
  Promise.all(
    Array.from({ length: MESSAGES }, (_, i) =>
      m.send(message(i)).then(
        () => tally(true),
        () => tally(false),
      ),
    ),
  );

// Warm-up: connections and JIT, against a full bucket.
await measure('warm-up', memoryLimiter(), async (m, tally) => {
  for (let i = 0; i < 5; i++) tally(await m.send(message(i)).then(() => true));
});
const plain = memoryLimiter();
const withoutControl = { acquire: (key, options) => plain.acquire(key, options) };
const before = await measure('Promise.all, no rate control', withoutControl, viaPromiseAll);
const naive = await measure('Promise.all of send', memoryLimiter(), viaPromiseAll);
const bulk = await measure('sendMany', memoryLimiter(), viaSendMany);
await server.close();

report({
  'bulk-rate.sendMany-goodput': entry({
    value: bulk.goodput,
    baseline: R,
    target: `ratio ≥ ${GOODPUT_TARGET} (accepted/s vs the server's R = ${R}/s)`,
    pass: bulk.goodput / R >= GOODPUT_TARGET && bulk.ok === MESSAGES,
    digits: 1,
  }),
  'bulk-rate.sendMany-429-share': entry({
    value: bulk.share,
    target: `≤ ${SHARE_TARGET} of requests answered 429`,
    pass: bulk.share <= SHARE_TARGET,
    digits: 4,
  }),
  'bulk-rate.promise-all-goodput': entry({
    value: naive.goodput,
    baseline: R,
    target: 'reported (Promise.all of send, with rate control)',
    pass: true,
    digits: 1,
  }),
  'bulk-rate.promise-all-429-share': entry({ value: naive.share, target: 'reported', pass: true, digits: 4 }),
  'bulk-rate.no-control-goodput': entry({
    value: before.goodput,
    baseline: R,
    target: `reported (Promise.all of send without rate control: ${before.failed} of ${MESSAGES} failed)`,
    pass: true,
    digits: 1,
  }),
  'bulk-rate.no-control-429-share': entry({ value: before.share, target: 'reported', pass: true, digits: 4 }),
});
