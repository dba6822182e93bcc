import { randomBytes } from 'node:crypto';
import { fingerprint, type Simulator, startSimulator } from '@parley/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, spawnChild } from './test-support/children.js';
import { useRedisServer } from './test-support/redis-server.js';

const redis = useRedisServer();
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const LATENCY_MS = 50;
const newToken = () => `tok-${randomBytes(12).toString('hex')}`;

interface Done {
  readonly accepted: number;
  readonly errors: Record<string, number>;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Starts `count` sender processes against the simulator and waits until all are ready. */
async function senders(count: number, baseUrl: string, warmUp: boolean): Promise<Child[]> {
  const children = Array.from({ length: count }, () =>
    spawnChild('wolkvox-sender', { redisUrl: redis.url, baseUrl, ...(warmUp ? { warmUpToken: newToken() } : {}) }),
  );
  await Promise.all(children.map((c) => c.next('ready')));
  return children;
}

/** Lets every sender send `count` messages with `token` at once; resolves with their reports. */
async function round(
  children: Child[],
  token: string,
  count: number,
  extra: Record<string, unknown> = {},
): Promise<{ done: Done[] }> {
  children.forEach((child, id) => {
    child.send({ type: 'go', token, count, id, ...extra });
  });
  const done = (await Promise.all(children.map((c) => c.next('done')))) as unknown as Done[];
  return { done };
}

describe('Wolkvox from several processes sharing one token through redisLimiter', () => {
  // The throughput is measured by bench/redis-wolkvox-handoff.mjs (a ratio against the ideal and
  // against references from the same run); this test holds the provider's limit.
  it('never has a third request in flight at the server across three processes, and every send is accepted', async () => {
    sim = await startSimulator({ latencyMs: LATENCY_MS });
    const children = await senders(3, sim.wolkvox.baseUrl, true);
    const perProcess = 40;
    const total = 3 * perProcess;
    const token = newToken();
    const { done } = await round(children, token, perProcess);
    const requests = sim.wolkvox.requests.filter((r) => r.credential === fingerprint(token));
    expect(done.map((d) => d.errors)).toEqual([{}, {}, {}]);
    expect(done.reduce((n, d) => n + d.accepted, 0)).toBe(total);
    expect(requests).toHaveLength(total);
    expect(requests.filter((r) => r.status === 403)).toHaveLength(0);
    expect(sim.wolkvox.concurrency(token).maxInFlight).toBe(2);
    for (const child of children) child.send({ type: 'exit' });
  }, 60_000);

  it('shares the daily quota: with dailyLimit 5, two processes get 5 requests through in all', async () => {
    sim = await startSimulator({ latencyMs: 5 });
    const token = newToken();
    const children = await senders(2, sim.wolkvox.baseUrl, false);
    const { done } = await round(children, token, 5, { dailyLimit: 5 });

    expect(done.reduce((n, d) => n + d.accepted, 0)).toBe(5);
    expect(done.reduce((n, d) => n + (d.errors.QUOTA_EXCEEDED ?? 0), 0)).toBe(5);
    expect(done.flatMap((d) => Object.keys(d.errors).filter((code) => code !== 'QUOTA_EXCEEDED'))).toEqual([]);
    expect(sim.wolkvox.requests).toHaveLength(5);
    expect(sim.wolkvox.dailyUsage(token)).toBe(5);
    for (const child of children) child.send({ type: 'exit' });
  });
});
