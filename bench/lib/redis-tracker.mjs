/**
 * One process of bench/redis-tracking.mjs: a DecisionTelecom messenger whose store is Redis.
 * On `{type:'send', count}` it sends that many messages (64 at a time) and answers
 * `{type:'sent'}`; it polls whatever the shared store schedules, counting the final statuses it
 * emits (`{type:'stats'}` → `{type:'stats', finals, events, errors}`); `{type:'close'}` closes it.
 * argv[2]: JSON { redisUrl, baseUrl, firstPollMs, maxIntervalMs }.
 */
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger } from '@parley/core';
import { redisStore } from '@parley/redis';
import { recipients } from './phones.mjs';
import { runPool } from './stats.mjs';

const options = JSON.parse(process.argv[2]);
const store = redisStore({ url: options.redisUrl });
const messenger = createMessenger(
  {
    provider: 'decisiontelecom',
    apiKey: 'bench-key',
    sender: 'Acme',
    baseUrl: `${options.baseUrl}/decisiontelecom/v1/api`,
    tracking: { firstPollMs: options.firstPollMs, maxIntervalMs: options.maxIntervalMs },
  },
  { providers: [decisionTelecom], store },
);
let finals = 0;
let events = 0;
let errors = 0;
let firstError;
messenger.on('status', (update) => {
  events++;
  if (update.final) finals++;
});
messenger.on('error', (error) => {
  errors++;
  firstError ??= `${error.code}: ${error.message}`;
});

const phones = recipients(4096);
let cursor = 0;
process.on('message', async (message) => {
  if (message.type === 'send') {
    await runPool(message.count, 64, () => messenger.send({ type: 'text', to: phones[cursor++ & 4095], text: 'Hola' }));
    process.send({ type: 'sent' });
  } else if (message.type === 'stats') {
    process.send({ type: 'stats', finals, events, errors, firstError });
  } else if (message.type === 'close') {
    await messenger.close();
    await store.close();
    clearInterval(keepAlive);
    // Whatever else is left (a socket to a Redis already stopped), this process is done.
    process.send({ type: 'closed' }, () => process.exit(0));
  }
});
// The tracker's timer is unref'd and so is the IPC channel: keep the process up until closed.
const keepAlive = setInterval(() => {}, 1_000);
process.send({ type: 'ready' });
