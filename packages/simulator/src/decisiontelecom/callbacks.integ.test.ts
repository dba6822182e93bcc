import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../options.js';
import { startSimulator } from '../server.js';
import { basic, fakeClock, post, startReceiver } from '../test-util.js';

const AUTH = basic('a2V5');
const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Parameters<typeof startSimulator>[0], status = 200) {
  const receiver = await startReceiver(status);
  cleanups.push(receiver.close);
  const sim = await startSimulator(options);
  cleanups.push(() => sim.close());
  return { receiver, sim };
}

async function sendWith(sim: Simulator, callback_url: string): Promise<number> {
  const r = await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, { ...TEXT, callback_url }, AUTH);
  expect(r.status).toBe(200);
  return r.json.message_id;
}

describe('DecisionTelecom callbacks', () => {
  it('POSTs {message_id, status} to callback_url at each change, in order, in real time', async () => {
    const { receiver, sim } = await setup({ decisionTelecom: { progression: { stepMs: 30, outcomes: { seen: 1 } } } });
    const a = await sendWith(sim, `${receiver.url}/hook?m=a&sig=xyz`);
    const b = await sendWith(sim, `${receiver.url}/hook?m=b`);
    await receiver.waitFor(6);
    const of = (q: string) => receiver.received.filter((r) => r.url.includes(q)).map((r) => r.body);
    expect(of('m=a')).toEqual([
      { message_id: a, status: 0 },
      { message_id: a, status: 1 },
      { message_id: a, status: 7 },
    ]);
    expect(of('m=b')).toEqual([0, 1, 7].map((status) => ({ message_id: b, status })));
    expect(receiver.received[0]!.headers['content-type']).toBe('application/json');
    await sim.decisionTelecom.flushCallbacks();
    expect(sim.decisionTelecom.callbacksSent).toBe(6);
    expect(sim.decisionTelecom.callbacks).toEqual({ sent: 6, failed: 0, refused: 0, pending: 0 });
    expect(sim.decisionTelecom.callbackLog.map((c) => c.outcome)).toEqual(Array(6).fill('sent'));
  });

  it('with a fake clock, flushCallbacks delivers every due change in order, even several at once', async () => {
    const clock = fakeClock();
    const { receiver, sim } = await setup({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 1000, outcomes: { failed: 1 } } },
    });
    const id = await sendWith(sim, `${receiver.url}/cb`);
    await sim.decisionTelecom.flushCallbacks();
    expect(receiver.received).toEqual([]);
    clock.advance(5000);
    await sim.decisionTelecom.flushCallbacks();
    expect(receiver.received.map((r) => r.body)).toEqual([
      { message_id: id, status: 0 },
      { message_id: id, status: 4 },
    ]);
  });

  it('reports a setStatus change by callback and stops the natural progression', async () => {
    const clock = fakeClock();
    const { receiver, sim } = await setup({ now: clock.now, decisionTelecom: { progression: { stepMs: 1000 } } });
    const id = await sendWith(sim, `${receiver.url}/cb`);
    sim.decisionTelecom.setStatus(id, 5);
    clock.advance(10_000);
    await sim.decisionTelecom.flushCallbacks();
    expect(receiver.received.map((r) => r.body)).toEqual([{ message_id: id, status: 5 }]);
  });

  it('counts callbacks a receiver refuses as failed', async () => {
    const clock = fakeClock();
    const { receiver, sim } = await setup(
      { now: clock.now, decisionTelecom: { progression: { stepMs: 10, outcomes: { rejected: 1 } } } },
      500,
    );
    await sendWith(sim, `${receiver.url}/cb`);
    clock.advance(10);
    await sim.decisionTelecom.flushCallbacks();
    expect(sim.decisionTelecom.callbacks).toMatchObject({ sent: 0, failed: 1 });
    expect(sim.decisionTelecom.callbackLog[0]).toMatchObject({ outcome: 'failed', httpStatus: 500, status: 2 });
  });

  it('never calls a host off this machine: the callback is counted as refused', async () => {
    const clock = fakeClock();
    const { sim } = await setup({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 10, outcomes: { rejected: 1 } } },
    });
    await sendWith(sim, 'https://example.com/cb');
    clock.advance(10);
    await sim.decisionTelecom.flushCallbacks();
    expect(sim.decisionTelecom.callbacks).toMatchObject({ sent: 0, failed: 0, refused: 1 });
  });

  it('makes no callback with callbacks: false', async () => {
    const clock = fakeClock();
    const { receiver, sim } = await setup({
      now: clock.now,
      decisionTelecom: { callbacks: false, progression: { stepMs: 10 } },
    });
    await sendWith(sim, `${receiver.url}/cb`);
    clock.advance(100);
    await sim.decisionTelecom.flushCallbacks();
    expect(receiver.received).toEqual([]);
    expect(sim.decisionTelecom.callbacks.sent).toBe(0);
  });

  it('sends callbacks for ids past 2^53 with every digit', async () => {
    const clock = fakeClock();
    const first = 9_007_199_254_740_993n;
    const { receiver, sim } = await setup({
      now: clock.now,
      decisionTelecom: { firstMessageId: first, progression: { stepMs: 10, outcomes: { rejected: 1 } } },
    });
    await sendWith(sim, `${receiver.url}/cb`);
    clock.advance(10);
    await sim.decisionTelecom.flushCallbacks();
    expect(sim.decisionTelecom.callbackLog[0]?.messageId).toBe(String(first));
  });
});
