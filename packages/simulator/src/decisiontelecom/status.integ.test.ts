import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../options.js';
import { startSimulator } from '../server.js';
import { basic, fakeClock, post } from '../test-util.js';
import { DT_STATUS } from './status.js';

const AUTH = basic('a2V5');
const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function sendOne(s: Simulator): Promise<number> {
  const r = await post(`${s.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, AUTH);
  return r.json.message_id;
}

async function statusOf(s: Simulator, id: number | string) {
  return post(`${s.decisionTelecom.baseUrl}/receive-whatsapp`, { message_id: id }, AUTH);
}

describe('DecisionTelecom status progression', () => {
  it('moves pending → sent → delivered → seen, one step per stepMs, read lazily from the clock', async () => {
    const clock = fakeClock();
    sim = await startSimulator({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 1000, outcomes: { seen: 1 } } },
    });
    const id = await sendOne(sim);
    const seen: number[] = [];
    for (const ms of [0, 999, 1, 1000, 1000, 50_000]) {
      clock.advance(ms);
      const r = await statusOf(sim, id);
      expect(r.json.message_id).toBe(id);
      seen.push(r.json.status);
    }
    expect(seen).toEqual([6, 6, 0, 1, 7, 7]);
    expect(sim.decisionTelecom.messages.get(id)).toMatchObject({ status: 7, final: true, overridden: false });
  });

  it('ends rejected (pending → rejected) or failed (pending → sent → failed) as the weights say', async () => {
    const clock = fakeClock();
    sim = await startSimulator({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 10, outcomes: { rejected: 1 } } },
    });
    const rejected = await sendOne(sim);
    clock.advance(10);
    expect((await statusOf(sim, rejected)).json.status).toBe(DT_STATUS.rejected);
    await sim.close();

    sim = await startSimulator({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 10, outcomes: { failed: 1 } } },
    });
    const failed = await sendOne(sim);
    clock.advance(10);
    expect((await statusOf(sim, failed)).json.status).toBe(DT_STATUS.sent);
    clock.advance(10);
    expect((await statusOf(sim, failed)).json.status).toBe(DT_STATUS.failed);
  });

  it('gives a deterministic share of outcomes: the same seed picks the same messages', async () => {
    const run = async (seed: number) => {
      const clock = fakeClock();
      const s = await startSimulator({
        now: clock.now,
        faults: { seed },
        decisionTelecom: {
          progression: { stepMs: 1, outcomes: { seen: 70, delivered: 10, rejected: 10, failed: 10 } },
        },
      });
      const ids: number[] = [];
      for (let i = 0; i < 200; i++) ids.push(await sendOne(s));
      clock.advance(10);
      const finals = ids.map((id) => s.decisionTelecom.messages.get(id)!.status);
      await s.close();
      return finals;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
    const count = (code: number) => a.filter((s) => s === code).length;
    // A low-discrepancy sequence: within a couple of messages of the exact share.
    expect(Math.abs(count(DT_STATUS.seen) - 140)).toBeLessThanOrEqual(2);
    expect(Math.abs(count(DT_STATUS.delivered) - 20)).toBeLessThanOrEqual(2);
    expect(Math.abs(count(DT_STATUS.rejected) - 20)).toBeLessThanOrEqual(2);
    expect(Math.abs(count(DT_STATUS.failed) - 20)).toBeLessThanOrEqual(2);
  });

  it('lets setStatus fix a status from then on', async () => {
    const clock = fakeClock();
    sim = await startSimulator({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 10, outcomes: { seen: 1 } } },
    });
    const id = await sendOne(sim);
    sim.decisionTelecom.setStatus(id, DT_STATUS.deleted);
    clock.advance(100);
    expect((await statusOf(sim, id)).json.status).toBe(5);
    expect(sim.decisionTelecom.messages.get(id)).toMatchObject({ status: 5, overridden: true, final: true });
    expect(() => sim!.decisionTelecom.setStatus(1, 1)).toThrow(/no DecisionTelecom message/);
    expect(() => sim!.decisionTelecom.setStatus(id, -1)).toThrow(RangeError);
  });

  it('answers an unknown, missing or expired message_id with code 1 naming message_id', async () => {
    const clock = fakeClock();
    sim = await startSimulator({ now: clock.now, decisionTelecom: { retentionMs: 1000 } });
    const id = await sendOne(sim);
    const expected = {
      name: 'Invalid Parameter: [message_id]',
      message: 'Empty parameter or parameter validation error',
      code: 1,
      status: 400,
    };
    for (const body of [{ message_id: id + 1 }, { message_id: 1 }, {}, { message_id: 'x' }]) {
      const r = await post(`${sim.decisionTelecom.baseUrl}/receive-whatsapp`, body, AUTH);
      expect([r.status, r.json]).toEqual([400, expected]);
    }
    expect((await statusOf(sim, id)).status).toBe(200);
    clock.advance(1001);
    expect((await statusOf(sim, id)).json).toEqual(expected);
  });
});

describe('DecisionTelecom rate limit', () => {
  it('answers 429 code 0 with Retry-After past the limit, per key, and admits again after the window', async () => {
    const clock = fakeClock();
    sim = await startSimulator({ now: clock.now, decisionTelecom: { rateLimit: { requests: 2, perMs: 2500 } } });
    const url = `${sim.decisionTelecom.baseUrl}/send-whatsapp`;
    expect((await post(url, TEXT, AUTH)).status).toBe(200);
    clock.advance(500);
    expect((await post(url, TEXT, AUTH)).status).toBe(200);
    const limited = await post(url, TEXT, AUTH);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ name: 'Too Many Requests', message: 'Rate limit exceeded', code: 0, status: 429 });
    expect(limited.headers.get('retry-after')).toBe('2');
    // Another key has its own window.
    expect((await post(url, TEXT, basic('b3RoZXI='))).status).toBe(200);
    clock.advance(2000);
    expect((await post(url, TEXT, AUTH)).status).toBe(200);
    expect((await post(url, TEXT, AUTH)).status).toBe(429);
    expect(sim.decisionTelecom.counts).toMatchObject({ accepted: 4, rejected: 2 });
  });
});
