/**
 * The Wolkvox simulator (from @parley/simulator) in a child process, as in wolkvox-server.mjs,
 * with a high-resolution clock, reporting per token the busy span at the server: from the
 * first request's arrival to the last answer (the last arrival plus the simulator's fixed
 * LATENCY_MS, after which it answers).
 */
import { performance } from 'node:perf_hooks';
import { fingerprint, startSimulator } from '@parley/simulator';
import { serveChild } from './child.mjs';

const latencyMs = Number(process.env.LATENCY_MS ?? 100);
const now = () => performance.timeOrigin + performance.now();
const sim = await startSimulator({ latencyMs, now, wolkvox: { dailyLimit: 1_000_000 } });

serveChild(
  sim.url,
  {
    reset() {
      sim.reset();
    },
    stats({ token }) {
      const requests = sim.wolkvox.requests.filter((r) => r.credential === fingerprint(token));
      const arrivals = requests.map((r) => r.receivedAt);
      const first = Math.min(...arrivals);
      const last = Math.max(...arrivals);
      return {
        requests: requests.length,
        accepted: requests.filter((r) => r.status === 200).length,
        concurrency403: requests.filter((r) => r.status === 403).length,
        maxInFlight: sim.wolkvox.concurrency(token).maxInFlight,
        spanMs: requests.length === 0 ? 0 : last + latencyMs - first,
      };
    },
  },
  { info: { baseUrl: sim.wolkvox.baseUrl, latencyMs }, close: () => sim.close() },
);
