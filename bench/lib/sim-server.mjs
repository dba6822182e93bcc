/**
 * The whole @parley/simulator (both providers and the dev phone) in a child process, with the
 * dev phone's default retention (10 000 messages) and DecisionTelecom's default progression.
 */
import { startSimulator } from '@parley/simulator';
import { serveChild } from './child.mjs';

const sim = await startSimulator({ maxMessages: 10_000, maxRecordedRequests: 10_000 });

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
  },
  { info: { baseUrl: sim.decisionTelecom.baseUrl }, close: () => sim.close() },
);
