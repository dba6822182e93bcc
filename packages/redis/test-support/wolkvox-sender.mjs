// A process that sends Wolkvox templates through messengers using the Redis limiter and store.
// argv[2]: JSON { redisUrl, baseUrl, warmUpToken? }. Talks to the parent by IPC: sends
// { type: 'ready' }; for each { type: 'go', token, count, id, dailyLimit?, spacingMs?, offsetMs? }
// sends `count` templates with that token, at once (or, with spacingMs, one every spacingMs from
// offsetMs on), and answers { type: 'done', accepted, errors, startedAt, endedAt }
// (wall-clock ms); { type: 'exit' } closes everything.
import { performance } from 'node:perf_hooks';
import { wolkvox } from '@parley/adapter-wolkvox';
import { createMessenger, undiciTransport } from '@parley/core';
import { redisLimiter, redisStore } from '@parley/redis';

const { redisUrl, baseUrl, warmUpToken } = JSON.parse(process.argv[2]);
const limiter = redisLimiter({ url: redisUrl });
const store = redisStore({ url: redisUrl });
const transport = undiciTransport();
const clock = () => performance.timeOrigin + performance.now();

function messenger(token, dailyLimit) {
  return createMessenger(
    {
      provider: 'wolkvox',
      token,
      server: '0042',
      connectorId: '1',
      baseUrl,
      ...(dailyLimit !== undefined ? { dailyLimit } : {}),
    },
    { providers: [wolkvox], limiter, store, transport },
  );
}

const template = (variable) => ({ type: 'template', to: '+57 300 123 4567', name: 'welcome', variables: [variable] });

// Connect to Redis and to the provider, and warm the code paths up (with a token of its own, so
// these sends neither wait for nor count as the measured ones) before the timed part.
if (warmUpToken !== undefined) {
  const warm = messenger(warmUpToken);
  await Promise.all(Array.from({ length: 6 }, (_, i) => warm.send(template(`warm-${i}`))));
  await warm.close();
}
await Promise.all([limiter.inspect('warm-up'), store.get('warm-up')]);
process.send({ type: 'ready' });

process.on('message', async (message) => {
  if (message.type === 'exit') {
    await Promise.all([limiter.close(), store.close(), transport.close()]);
    process.disconnect();
    return;
  }
  if (message.type !== 'go') return;
  const sender = messenger(message.token, message.dailyLimit);
  const startedAt = clock();
  const spacing = message.spacingMs ?? 0;
  const sendAt = (i) =>
    spacing > 0
      ? new Promise((resolve) => setTimeout(resolve, (message.offsetMs ?? 0) + i * spacing)).then(() =>
          sender.send(template(`${message.id}-${i}`)),
        )
      : sender.send(template(`${message.id}-${i}`));
  const outcomes = await Promise.allSettled(Array.from({ length: message.count }, (_, i) => sendAt(i)));
  const endedAt = clock();
  const errors = {};
  for (const o of outcomes) {
    if (o.status === 'rejected') errors[o.reason?.code ?? 'UNKNOWN'] = (errors[o.reason?.code ?? 'UNKNOWN'] ?? 0) + 1;
  }
  const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
  await sender.close();
  process.send({ type: 'done', accepted, errors, startedAt, endedAt });
});
