import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { startSimulator } from './server.js';
import { basic, post, startReceiver } from './test-util.js';

const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };
const TRACKED = new Set(['Timeout', 'TCPSERVERWRAP', 'TCPWRAP']);

/** Timers, servers and sockets created between start and `freeze()`, and not yet destroyed. */
function trackResources() {
  const live = new Map<number, string>();
  let frozen = false;
  const hook = createHook({
    init(id, type) {
      if (TRACKED.has(type) && !frozen) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return {
    live,
    freeze: () => {
      frozen = true;
    },
    stop: () => hook.disable(),
  };
}

describe('close()', () => {
  it('leaves no server, socket or timer behind, even with requests and callbacks in progress', async () => {
    const receiver = await startReceiver();
    const tracker = trackResources();
    const sim = await startSimulator({ decisionTelecom: { progression: { stepMs: 60_000 } } });
    // A message with a callback pending in 60 s.
    await post(
      `${sim.decisionTelecom.baseUrl}/send-whatsapp`,
      { ...TEXT, callback_url: `${receiver.url}/cb` },
      basic('a'),
    );
    // A request held by 5 s of latency, and one never answered.
    sim.setLatency(5000);
    const request = () =>
      fetch(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, {
        method: 'POST',
        headers: basic('a'),
        body: JSON.stringify(TEXT),
      }).catch((e: unknown) => e);
    const delayed = request();
    sim.decisionTelecom.failNext('hang');
    const hung = request();
    for (let i = 0; i < 50 && sim.decisionTelecom.inFlight < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.decisionTelecom.inFlight).toBe(2);

    await sim.close();
    await sim.close();
    tracker.freeze();
    expect(await delayed).toBeInstanceOf(Error);
    expect(await hung).toBeInstanceOf(Error);
    // Client sockets and the test runner's own short timers need a moment; a leak would stay.
    for (let i = 0; i < 200 && tracker.live.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    tracker.stop();
    expect([...tracker.live.values()]).toEqual([]);
    await receiver.close();
  });
});
