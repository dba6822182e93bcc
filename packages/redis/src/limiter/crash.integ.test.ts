import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { spawnChild } from '../test-support/children.js';
import { useRedisServer } from '../test-support/redis-server.js';
import { redisLimiter } from './limiter.js';

const redis = useRedisServer();
const LEASE_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a process that dies holding a slot', () => {
  it('gives the slot (and its place in line) back within leaseMs of being killed', async () => {
    const key = randomBytes(16).toString('hex');
    const limiter = redisLimiter({ url: redis.url, leaseMs: LEASE_MS });
    try {
      // The child holds the only slot and has a second call waiting in line ahead of ours.
      const child = spawnChild('slot-holder', { redisUrl: redis.url, key, max: 1, leaseMs: LEASE_MS });
      await child.next('held');
      let acquiredAt: number | undefined;
      const waiting = limiter.acquire(key, { max: 1 }).then((release) => {
        acquiredAt = performance.now();
        return release;
      });
      waiting.catch(() => {});
      for (let i = 0; i < 100 && (await limiter.inspect(key)).waiting < 2; i++) await sleep(5);
      expect(await limiter.inspect(key)).toEqual({ active: 1, waiting: 2 });

      // While the child lives, its heartbeats keep the slot well past one lease.
      await sleep(1.5 * LEASE_MS);
      expect(acquiredAt).toBeUndefined();

      await child.kill();
      const killedAt = performance.now();
      const release = await waiting;
      const waitedMs = acquiredAt! - killedAt;
      console.log(`slot of a SIGKILLed holder came back after ${waitedMs.toFixed(0)} ms (leaseMs ${LEASE_MS})`);
      // The lease runs out at most leaseMs after the last heartbeat; the waiter's timer is set for that moment.
      expect(waitedMs).toBeLessThanOrEqual(LEASE_MS + 250);
      // The dead process's waiting call was dropped too: we hold the only slot, nobody waits.
      expect(await limiter.inspect(key)).toEqual({ active: 1, waiting: 0 });
      release();
    } finally {
      await limiter.close();
    }
  });
});
