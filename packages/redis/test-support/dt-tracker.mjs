// A process with a DecisionTelecom messenger whose store is Redis: it optionally sends messages,
// and it polls their statuses (a restarted one resumes what the store tracks). Every status event
// is appended synchronously to a JSON-lines file, so none is lost when the process is killed.
// argv[2]: JSON { redisUrl, baseUrl, apiKey, leaseMs, send, eventsFile }.
// Sends { type: 'sent', messages: [{ id, providerMessageId }] } after sending (when `send` > 0),
// then { type: 'ready' }, and keeps running until killed.
import { appendFileSync } from 'node:fs';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger } from '@parley/core';
import { redisStore } from '@parley/redis';

const options = JSON.parse(process.argv[2]);
const store = redisStore({ url: options.redisUrl, leaseMs: options.leaseMs });
const messenger = createMessenger(
  {
    provider: 'decisiontelecom',
    apiKey: options.apiKey,
    sender: 'Acme',
    baseUrl: options.baseUrl,
    tracking: { firstPollMs: 100, maxIntervalMs: 200 },
  },
  { providers: [decisionTelecom], store },
);
messenger.on('status', (u) => {
  appendFileSync(
    options.eventsFile,
    `${JSON.stringify({ pid: process.pid, id: u.id, status: u.status, final: u.final })}\n`,
  );
});
messenger.on('error', (e) => {
  appendFileSync(options.eventsFile, `${JSON.stringify({ pid: process.pid, error: e.code, message: e.message })}\n`);
});

if (options.send > 0) {
  const results = await Promise.all(
    Array.from({ length: options.send }, (_, i) =>
      messenger.send({ type: 'text', to: '+380 63 123 4567', text: `message ${i}` }),
    ),
  );
  process.send({ type: 'sent', messages: results.map((r) => ({ id: r.id, providerMessageId: r.providerMessageId })) });
}
process.send({ type: 'ready' });
setInterval(() => {}, 1_000);
