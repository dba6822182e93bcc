/**
 * The whole @parley/simulator (both providers and the dev phone) in a child process, with the
 * dev phone's default retention (10 000 messages) and DecisionTelecom's default progression.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startSimulator } from '@parley/simulator';
import { serveChild } from './child.mjs';

const sim = await startSimulator({ maxMessages: 10_000, maxRecordedRequests: 10_000 });
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

serveChild(
  sim.url,
  {
    stats() {
      return {
        messages: sim.phone.messages.length,
        openPages: sim.phone.openPages,
        received: sim.decisionTelecom.counts.received,
      };
    },
    cpu() {
      return process.cpuUsage();
    },
    /** Event-loop delay since the last call: p99 and max, ms. */
    loop() {
      const out = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
      loop.reset();
      return out;
    },
  },
  { info: { baseUrl: sim.decisionTelecom.baseUrl }, close: () => sim.close() },
);
