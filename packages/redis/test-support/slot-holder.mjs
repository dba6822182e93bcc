// A process that takes a slot of a Redis limiter key and keeps it (and a place in line behind it)
// until it is killed. argv[2]: JSON { redisUrl, key, max, leaseMs }.
// Sends { type: 'held' } once it holds the slot and its second call waits in line.
import { redisLimiter } from '@parley/redis';

const { redisUrl, key, max, leaseMs } = JSON.parse(process.argv[2]);
const limiter = redisLimiter({ url: redisUrl, leaseMs });
await limiter.acquire(key, { max });
void limiter.acquire(key, { max });
while ((await limiter.inspect(key)).waiting < 1) await new Promise((resolve) => setTimeout(resolve, 5));
process.send({ type: 'held' });
// Keeps the event loop (and so the heartbeats) alive until SIGKILL.
setInterval(() => {}, 1_000);
