// A process that races others to set the same idempotency keys with onlyIfAbsent.
// argv[2]: JSON { redisUrl, prefix, keys, id }. Sends { type: 'ready' }, waits for { type: 'go' },
// then sends { type: 'done', won } with the keys this process set first.
import { redisStore } from '@parley/redis';

const { redisUrl, prefix, keys, id } = JSON.parse(process.argv[2]);
const store = redisStore({ url: redisUrl, prefix });
await store.get('warm-up');
process.send({ type: 'ready' });

process.once('message', async (message) => {
  if (message.type !== 'go') return;
  const results = await Promise.all(
    Array.from({ length: keys }, (_, i) => store.set(`idem:${i}`, id, 60_000, { onlyIfAbsent: true })),
  );
  const won = results.flatMap((ok, i) => (ok ? [`idem:${i}`] : []));
  await store.close();
  process.send({ type: 'done', won }, () => process.disconnect());
});
