import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeliveryStatus, hashKey, statusRank } from '@parley/core';
import { DT_STATUS, type Simulator, startSimulator } from '@parley/simulator';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisStore } from './store/store.js';
import { spawnChild } from './test-support/children.js';
import { useRedisServer } from './test-support/redis-server.js';

const redis = useRedisServer();
let sim: Simulator;
let dir: string;

beforeEach(async () => {
  // Slow progression: pending -> sent -> delivered -> seen, 800 ms a step; some end rejected or
  // failed. Each answer takes 60 ms, so polls are in flight (their messages leased) at any moment.
  sim = await startSimulator({
    latencyMs: 60,
    decisionTelecom: { callbacks: false, progression: { stepMs: 800, outcomes: { seen: 8, rejected: 1, failed: 1 } } },
  });
  dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
});
afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Event {
  readonly pid: number;
  readonly id?: string;
  readonly status?: string;
  readonly final?: boolean;
  readonly error?: string;
}

const readEvents = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Event);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The unified status a DecisionTelecom code ends as. */
const FINAL_STATUS: Record<number, string> = {
  [DT_STATUS.seen]: 'read',
  [DT_STATUS.rejected]: 'rejected',
  [DT_STATUS.failed]: 'failed',
};

describe('a process that dies while tracking messages in redisStore', () => {
  it('is replaced by a new process that resumes polling: every message reaches its final status', async () => {
    const apiKey = `key-${randomBytes(8).toString('hex')}`;
    const eventsFile = join(dir, 'events.jsonl');
    const options = { redisUrl: redis.url, baseUrl: sim.decisionTelecom.baseUrl, apiKey, leaseMs: 400, eventsFile };
    const count = 20;

    const first = spawnChild('dt-tracker', { ...options, send: count });
    const { messages } = (await first.next('sent')) as unknown as {
      messages: { id: string; providerMessageId: string }[];
    };
    // Let it poll for a while (first statuses seen, some polls in flight), then kill it mid-way.
    while (readEvents(eventsFile).filter((e) => e.status === 'pending').length < count / 2) await sleep(10);
    await sleep(150);
    await first.kill();
    const finalBefore = new Set(readEvents(eventsFile).flatMap((e) => (e.final ? [e.id!] : [])));
    // What the dead process left: some messages due, some leased to its polls in flight.
    const scope = hashKey('decisiontelecom', apiKey);
    const admin = new Redis(redis.url);
    const due = await admin.zcard(`parley:{msg}:due:${scope}`);
    const leased = await admin.zcard(`parley:{msg}:lease:${scope}`);
    admin.disconnect();
    console.log(`killed with ${due} messages due and ${leased} leased to its polls in flight`);
    expect(leased).toBeGreaterThan(0);
    expect(due + leased).toBe(count);

    const second = spawnChild('dt-tracker', { ...options, send: 0 });
    const finalOf = () => new Map(readEvents(eventsFile).flatMap((e) => (e.final ? [[e.id!, e]] : [])));
    const deadline = Date.now() + 15_000;
    while (finalOf().size < count && Date.now() < deadline) await sleep(50);

    const events = readEvents(eventsFile);
    const finals = finalOf();
    expect(events.filter((e) => e.error !== undefined)).toEqual([]);
    expect([...finals.keys()].sort()).toEqual(messages.map((m) => m.id).sort());
    for (const { id, providerMessageId } of messages) {
      // The final status is the provider's; unless the first process got that far, the new one found it.
      const final = finals.get(id)!;
      if (!finalBefore.has(id)) expect(final.pid).toBe(second.process.pid);
      expect(final.status).toBe(FINAL_STATUS[sim.decisionTelecom.messages.get(providerMessageId)!.status]);
      // Statuses only moved forward across both processes, none twice: a status is emitted only
      // after the atomic advance that made it (a process killed in between loses that event,
      // it never repeats one).
      const ranks = events.filter((e) => e.id === id).map((e) => statusRank(e.status as DeliveryStatus));
      expect(ranks[0]).toBe(statusRank('accepted'));
      for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThan(ranks[i - 1]!);
    }
    expect(finalBefore.size).toBeLessThan(count);

    // Nothing is left to poll in the shared store.
    const store = redisStore({ url: redis.url });
    try {
      expect(await store.nextDueAt(scope)).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 30_000);

  it('resumes a message whose only poll was in flight when its process died (nothing due, one lease)', async () => {
    const apiKey = `key-${randomBytes(8).toString('hex')}`;
    const eventsFile = join(dir, 'events.jsonl');
    const options = { redisUrl: redis.url, baseUrl: sim.decisionTelecom.baseUrl, apiKey, leaseMs: 400, eventsFile };
    sim.decisionTelecom.failNext('hang', { endpoint: 'status' });

    const first = spawnChild('dt-tracker', { ...options, send: 1 });
    const { messages } = (await first.next('sent')) as unknown as { messages: { id: string }[] };
    const statusQueries = () => sim.decisionTelecom.requests.filter((r) => r.path.endsWith('/receive-whatsapp'));
    while (statusQueries().length === 0) await sleep(10);
    await first.kill();

    const second = spawnChild('dt-tracker', { ...options, send: 0 });
    const deadline = Date.now() + 10_000;
    const final = () => readEvents(eventsFile).find((e) => e.id === messages[0]!.id && e.final);
    while (final() === undefined && Date.now() < deadline) await sleep(50);
    expect(final()).toMatchObject({ pid: second.process.pid });
  }, 30_000);
});
