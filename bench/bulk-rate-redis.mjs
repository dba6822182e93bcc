/**
 * Bulk sending at the provider's limit from 3 processes sharing one account through
 * `@parley/redis`: each process (a fork of this file) has its own messenger and `redisLimiter`
 * on one redis-server (started here, on a free port), and they send 5,000 DecisionTelecom
 * messages together (a third each) to the loopback server of bench/bulk-rate.mjs (R = 200
 * requests/s, token bucket burst 10, 429 beyond it, no `Retry-After`). The figure is accepted
 * sends per second over the server's busy span (first request to last answer) against R, and
 * the share of requests answered 429. Two ways, one run, each on a fresh account (no rate
 * learned before): `sendMany` in each process, and the naive `Promise.all` of `send`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, memoryStore } from '@parley/core';
import { redisLimiter } from '@parley/redis';
import { recipients } from './lib/phones.mjs';

const R = 200;
const PROCESSES = 3;
const MESSAGES = Number(process.env.BENCH_BULK_MESSAGES ?? 5000);
const GOODPUT_TARGET = 0.9;
const SHARE_TARGET = 0.03;

if (process.argv[2] === 'worker') {
  const { redisUrl, serverUrl } = JSON.parse(process.argv[3]);
  const limiter = redisLimiter({ url: redisUrl });
  process.on('message', async ({ mode, apiKey, from, count }) => {
    const messenger = createMessenger(
      { provider: 'decisiontelecom', apiKey, sender: 'Acme', baseUrl: `${serverUrl}/decisiontelecom/v1/api` },
      { providers: [decisionTelecom], store: memoryStore(), limiter },
    );
    const phones = recipients(from + count);
    const messages = Array.from({ length: count }, (_, i) => ({ type: 'text', to: phones[from + i], text: 'Hola' }));
    let ok = 0;
    let failed = 0;
    const codes = {};
    const tally = (outcome, error) => {
      if (outcome) ok++;
      else {
        failed++;
        codes[error?.code] = (codes[error?.code] ?? 0) + 1;
      }
    };
    if (mode === 'sendMany') {
      for await (const outcome of messenger.sendMany(messages)) tally(outcome.ok, outcome.error);
    } else {
      await Promise.all(
        messages.map((m) =>
          messenger.send(m).then(
            () => tally(true),
            (e) => tally(false, e),
          ),
        ),
      );
    }
    await messenger.close();
    process.send({ type: 'done', ok, failed, codes });
  });
  // Warm-up: modules, connections and JIT, on an account of its own (the server is reset after).
  const warm = createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: `warm-${process.pid}`,
      sender: 'Acme',
      baseUrl: `${serverUrl}/decisiontelecom/v1/api`,
    },
    { providers: [decisionTelecom], store: memoryStore(), limiter },
  );
  const phones = recipients(5);
  for (let i = 0; i < 5; i++) await warm.send({ type: 'text', to: phones[i], text: 'Hola' }).catch(() => {});
  await warm.close();
  process.send({ type: 'ready' });
} else {
  const { startChild } = await import('./lib/child.mjs');
  const { startRedisServer } = await import('./lib/redis-server.mjs');
  const { entry, report } = await import('./lib/result.mjs');
  const { log, round } = await import('./lib/stats.mjs');

  const redis = await startRedisServer();
  const server = await startChild(new URL('./lib/dt-rate-server.mjs', import.meta.url), {
    env: { RATE: String(R), BURST: '10' },
  });
  const self = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: PROCESSES }, () => {
    const child = fork(self, ['worker', JSON.stringify({ redisUrl: redis.url, serverUrl: server.url })], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = () => new Promise((resolve) => child.once('message', resolve));
    return { child, next, ready: next() };
  });
  await Promise.all(workers.map((w) => w.ready));

  async function measure(mode, run) {
    await server.call('reset');
    const apiKey = `bench-${mode}-${process.pid}-${run}`;
    const share = Math.ceil(MESSAGES / PROCESSES);
    const done = workers.map((w, i) => {
      const settled = w.next();
      w.child.send({ mode, apiKey, from: i * share, count: Math.min(share, MESSAGES - i * share) });
      return settled;
    });
    let tracer;
    if (process.env.BENCH_TRACE) {
      const { createRequire } = await import('node:module');
      const { Redis } = createRequire(new URL('../packages/redis/package.json', import.meta.url))('ioredis');
      const admin = new Redis(redis.url);
      const keys = () => admin.keys('parley:rate:*');
      tracer = setInterval(async () => {
        for (const k of await keys()) {
          const h = await admin.hgetall(k);
          log(
            `    ${k.slice(-12)} rate ${Number(h.rate).toFixed(1)} m${h.measured} sent ${h.sent} ok ${h.ok} refused ${h.refused}`,
          );
        }
      }, 1000);
    }
    const results = await Promise.all(done);
    clearInterval(tracer);
    const stats = await server.call('stats');
    const ok = results.reduce((n, r) => n + r.ok, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    const goodput = (stats.accepted / stats.spanMs) * 1000;
    const refusedShare = stats.refused / (stats.accepted + stats.refused);
    log(
      `  ${mode} ×${PROCESSES} processes: ${ok} ok, ${failed} failed ${failed ? JSON.stringify(results.map((r) => r.codes)) : ''}; ` +
        `server accepted ${stats.accepted}, answered ${stats.refused} 429s (${round(refusedShare * 100, 2)} %) ` +
        `in ${round(stats.spanMs / 1000, 2)} s → ${round(goodput, 1)}/s of ${R}/s`,
    );
    if (stats.accepted !== ok)
      throw new Error(`${mode}: the server accepted ${stats.accepted} but ${ok} sends resolved`);
    return { goodput, share: refusedShare, ok };
  }

  const bulk = await measure('sendMany', 1);
  const naive = await measure('Promise.all', 2);
  for (const w of workers) w.child.kill();
  await server.close();
  await redis.stop();

  report({
    'bulk-rate-redis.sendMany-goodput': entry({
      value: bulk.goodput,
      baseline: R,
      target: `ratio ≥ ${GOODPUT_TARGET} (${PROCESSES} processes together, accepted/s vs R = ${R}/s)`,
      pass: bulk.goodput / R >= GOODPUT_TARGET && bulk.ok === MESSAGES,
      digits: 1,
    }),
    'bulk-rate-redis.sendMany-429-share': entry({
      value: bulk.share,
      target: `≤ ${SHARE_TARGET} of requests answered 429`,
      pass: bulk.share <= SHARE_TARGET,
      digits: 4,
    }),
    'bulk-rate-redis.promise-all-goodput': entry({
      value: naive.goodput,
      baseline: R,
      target: `reported (Promise.all of send in ${PROCESSES} processes)`,
      pass: true,
      digits: 1,
    }),
    'bulk-rate-redis.promise-all-429-share': entry({ value: naive.share, target: 'reported', pass: true, digits: 4 }),
  });
}
