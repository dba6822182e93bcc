import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeliveryStatus, hashKey, isFinalStatus } from '@parley/core';
import { assertStatusesRise } from '@parley/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnChild } from './test-support/children.js';
import { useRedisServer } from './test-support/redis-server.js';

const redis = useRedisServer();
const WEBHOOK_SECRET = 'status-race-webhook-secret';
const COUNT = 200;

/** DecisionTelecom codes: 6 pending, 0 sent, 1 delivered, 7 seen. */
const STALE = [6, 0, 0, 1];

interface Event {
  readonly pid: number;
  readonly id?: string;
  readonly status?: DeliveryStatus;
  readonly at?: number;
  readonly error?: string;
  readonly message?: string;
}

let dir: string;
let provider: Server;
let callbackUrls: Map<number, string>;

/**
 * A DecisionTelecom stand-in: sends get ids 1, 2, …; every status query answers a stale status
 * (pending, sent or delivered, at random), so polls keep racing the callbacks, which say more.
 */
async function startProvider(): Promise<string> {
  callbackUrls = new Map();
  let next = 1;
  provider = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const json = JSON.parse(body) as { message_id?: number; callback_url?: string };
      res.setHeader('content-type', 'application/json');
      if (req.url?.endsWith('/send-whatsapp')) {
        const id = next++;
        callbackUrls.set(id, String(json.callback_url));
        res.end(JSON.stringify({ message_id: id }));
      } else {
        const status = STALE[Math.floor(Math.random() * STALE.length)];
        setTimeout(() => res.end(JSON.stringify({ message_id: json.message_id, status })), Math.random() * 5);
      }
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-race-'));
});
afterEach(async () => {
  await new Promise((resolve) => provider?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const readEvents = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Event);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('two processes racing callbacks against stale polls over one redisStore', () => {
  it(`emit each status of each of ${COUNT} messages once, never after a later one, and leave no poll of a final message`, async () => {
    const baseUrl = await startProvider();
    const apiKey = `key-${randomBytes(8).toString('hex')}`;
    const options = { redisUrl: redis.url, baseUrl, apiKey, webhookSecret: WEBHOOK_SECRET };
    const a = spawnChild('status-racer', { ...options, eventsFile: join(dir, 'a.jsonl') });
    const b = spawnChild('status-racer', { ...options, eventsFile: join(dir, 'b.jsonl') });
    const ports = [
      ((await a.next('ready')) as unknown as { port: number }).port,
      ((await b.next('ready')) as unknown as { port: number }).port,
    ];
    a.send({ type: 'send', count: COUNT });
    const { ids } = (await a.next('sent')) as unknown as { ids: string[] };
    expect(ids).toHaveLength(COUNT);

    // For every message: delivered, read, then both again, out of order, each to either process,
    // all at once, while both processes poll (the provider answers those with stale statuses).
    const calls = shuffle(
      [...callbackUrls].flatMap(([messageId, url]) => [1, 7, 1, 7, 7, 1].map((status) => ({ messageId, url, status }))),
    );
    const answers = await Promise.all(
      calls.map(async ({ messageId, url, status }, i) => {
        await sleep(Math.random() * 300);
        const target = new URL(url);
        target.port = String(ports[i % 2]);
        // As a provider does, a callback answered 5xx is delivered again (a loaded machine may
        // make Redis slower than the store's command bound).
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message_id: messageId, status }),
          });
          await res.arrayBuffer();
          if (res.status < 500 || attempt === 5) return res.status;
          await sleep(50 * attempt);
        }
      }),
    );
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    // Let polls in flight settle.
    await sleep(400);

    const streams = [readEvents(join(dir, 'a.jsonl')), readEvents(join(dir, 'b.jsonl'))];
    for (const stream of streams) expect(stream.filter((e) => e.error !== undefined)).toEqual([]);
    assertStatusesRise(streams[0]!, 'process A');
    assertStatusesRise(streams[1]!, 'process B');
    // The union in time order: each status of a message at most once, and rising.
    const union = [...streams[0]!, ...streams[1]!].sort((x, y) => x.at! - y.at!);
    assertStatusesRise(union, 'both processes');
    for (const id of ids) {
      const mine = union.filter((e) => e.id === id).map((e) => e.status);
      expect(mine[0], id).toBe('accepted');
      expect(mine.at(-1), id).toBe('read');
    }
    // Both processes did win some advances (it was a real race).
    expect(streams[1]!.some((e) => e.status === 'read')).toBe(true);

    // A message made final has no poll left: nothing due, nothing leased, no schedule in records.
    const scope = hashKey('decisiontelecom', apiKey);
    const admin = new Redis(redis.url);
    try {
      expect(await admin.zcard(`parley:{msg}:due:${scope}`)).toBe(0);
      expect(await admin.zcard(`parley:{msg}:lease:${scope}`)).toBe(0);
      for (const id of ids) {
        const record = JSON.parse((await admin.get(`parley:{msg}:r:${id}`)) ?? '{}') as Record<string, unknown>;
        expect(record.status).toBe('read');
        expect(isFinalStatus(record.status as DeliveryStatus)).toBe(true);
        expect(record.nextPollAt).toBeUndefined();
      }
    } finally {
      admin.disconnect();
    }
  }, 60_000);
});
