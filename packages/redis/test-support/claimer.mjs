// A process that claims due messages of one scope from the Redis store until none is left.
// argv[2]: JSON { redisUrl, prefix, scope, batch }. Sends { type: 'ready' }, waits for { type: 'go' },
// then sends { type: 'done', ids } with every id it claimed, in order.
import { redisStore } from '@parley/redis';

const { redisUrl, prefix, scope, batch } = JSON.parse(process.argv[2]);
const store = redisStore({ url: redisUrl, prefix });
await store.get('warm-up');
process.send({ type: 'ready' });

process.once('message', async (message) => {
  if (message.type !== 'go') return;
  const ids = [];
  // Several claims in flight at once, as a busy process would have.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const claimed = await store.claimDue(scope, Date.now(), batch);
        if (claimed.length === 0) return;
        for (const record of claimed) ids.push(record.id);
      }
    }),
  );
  await store.close();
  process.send({ type: 'done', ids }, () => process.disconnect());
});
