// One of several processes racing over the same messages' statuses through a shared redisStore:
// it serves messenger.webhook on a loopback port (callbacks arrive here) and polls what the store
// tracks (the status answers are stale on purpose). Every status event is appended synchronously
// to a JSON-lines file. argv[2]: JSON { redisUrl, baseUrl, apiKey, eventsFile, webhookSecret }.
// Sends { type: 'ready', port }; on { type: 'send', count } sends that many texts and answers
// { type: 'sent', ids }; keeps running until killed.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger } from '@parley/core';
import { redisStore } from '@parley/redis';

const options = JSON.parse(process.argv[2]);
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

// The race is the point here, not the fault bound: give a loaded machine's Redis time to answer.
const store = redisStore({ url: options.redisUrl, commandTimeoutMs: 10_000 });
const messenger = createMessenger(
  {
    provider: 'decisiontelecom',
    apiKey: options.apiKey,
    sender: 'Acme',
    baseUrl: options.baseUrl,
    callbackUrl: `http://127.0.0.1:${port}/hook`,
    webhookSecret: options.webhookSecret,
    tracking: { firstPollMs: 20, maxIntervalMs: 40 },
  },
  { providers: [decisionTelecom], store },
);
server.on('request', messenger.webhook);
messenger.on('status', (u) => {
  appendFileSync(
    options.eventsFile,
    `${JSON.stringify({ pid: process.pid, id: u.id, status: u.status, at: u.at.getTime() })}\n`,
  );
});
messenger.on('error', (e) => {
  appendFileSync(options.eventsFile, `${JSON.stringify({ pid: process.pid, error: e.code, message: e.message })}\n`);
});

process.on('message', async (message) => {
  if (message.type !== 'send') return;
  const results = await Promise.all(
    Array.from({ length: message.count }, (_, i) =>
      messenger.send({ type: 'text', to: '+380 63 123 4567', text: `message ${i}` }),
    ),
  );
  process.send({ type: 'sent', ids: results.map((r) => r.id) });
});
process.send({ type: 'ready', port });
