/**
 * The Wolkvox simulator (from @parley/simulator) in a child process: every answer after
 * LATENCY_MS, at most 2 requests in flight per token (a third is answered 403 EXCEEDS THE
 * LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)), as providers.md documents.
 */
import { startSimulator } from '@parley/simulator';
import { serveChild } from './child.mjs';

const latencyMs = Number(process.env.LATENCY_MS ?? 50);
const token = process.env.WOLKVOX_TOKEN ?? 'bench-token';
const sim = await startSimulator({ latencyMs, wolkvox: { token, dailyLimit: 1_000_000 } });

serveChild(
  sim.url,
  {
    reset() {
      sim.reset();
    },
    stats() {
      const answers = sim.wolkvox.requests.map((r) => ({ status: r.status, msg: String(r.responseBody ?? '') }));
      return {
        counts: sim.wolkvox.counts,
        concurrency: sim.wolkvox.concurrency(token),
        concurrency403: answers.filter((a) => a.status === 403 && /SIMULTANEOUS/i.test(a.msg)).length,
        other4xx5xx: answers.filter((a) => a.status >= 400 && !/SIMULTANEOUS/i.test(a.msg)).length,
        sent: sim.wolkvox.sent.length,
      };
    },
  },
  { info: { baseUrl: sim.wolkvox.baseUrl, latencyMs }, close: () => sim.close() },
);
