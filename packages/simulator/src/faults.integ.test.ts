import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator, SimulatorOptions } from './options.js';
import { startSimulator } from './server.js';
import { basic, post } from './test-util.js';

const AUTH = basic('a2V5');
const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };
const TEMPLATE = { connector_id: '1', telephone: '573001234567', template_name: 'welcome', template_vars: '' };

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Sends `n` requests one after another; `'drop'` where the connection died unanswered. */
async function outcomes(s: Simulator, n: number, provider: 'dt' | 'wv' = 'dt'): Promise<(number | 'drop')[]> {
  const out: (number | 'drop')[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const r =
        provider === 'dt'
          ? await post(`${s.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, AUTH)
          : await post(`${s.wolkvox.baseUrl}/whatsapp.php?api=send_template_official`, TEMPLATE, {
              'wolkvox-token': 't',
            });
      out.push(r.status);
    } catch {
      out.push('drop');
    }
  }
  return out;
}

async function run(options: SimulatorOptions, n: number, provider: 'dt' | 'wv' = 'dt') {
  const s = await startSimulator(options);
  try {
    return {
      result: await outcomes(s, n, provider),
      counts: provider === 'dt' ? s.decisionTelecom.counts : s.wolkvox.counts,
    };
  } finally {
    await s.close();
  }
}

describe('fault injection', () => {
  it('injects server errors and drops at about the configured rates, identically for one seed', async () => {
    const options = { faults: { errorRate: 0.2, dropRate: 0.2, seed: 1234 } };
    const a = await run(options, 60);
    const b = await run(options, 60);
    expect(b.result).toEqual(a.result);
    const errors = a.result.filter((x) => x === 500).length;
    const drops = a.result.filter((x) => x === 'drop').length;
    expect(errors).toBeGreaterThan(3);
    expect(drops).toBeGreaterThan(3);
    expect(a.result.filter((x) => x === 200).length).toBe(60 - errors - drops);
    expect(a.counts).toMatchObject({ received: 60, faulted: errors, dropped: drops, accepted: 60 - errors - drops });
    const other = await run({ faults: { errorRate: 0.2, dropRate: 0.2, seed: 4321 } }, 60);
    expect(other.result).not.toEqual(a.result);
  });

  it('answers DecisionTelecom faults with the documented code 2 body', async () => {
    sim = await startSimulator({ faults: { errorRate: 1 } });
    const r = await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, AUTH);
    expect(r.status).toBe(500);
    expect(r.json).toEqual({
      name: 'Internal server error',
      message: 'The server encountered an unexpected condition which prevented it from fulfilling the request',
      code: 2,
      status: 500,
    });
  });

  it('answers Wolkvox faults with an HTML 502 page', async () => {
    const { result } = await run({ faults: { errorRate: 1 } }, 1, 'wv');
    expect(result).toEqual([502]);
  });

  it('delays answers by latencyMs, from a [min, max] range too', async () => {
    sim = await startSimulator({ latencyMs: 80 });
    let t = performance.now();
    await outcomes(sim, 1);
    expect(performance.now() - t).toBeGreaterThanOrEqual(75);
    sim.setLatency([0, 0]);
    t = performance.now();
    await outcomes(sim, 1);
    expect(performance.now() - t).toBeLessThan(75);
  });

  it('setFaults changes the rates at run time; a seed replays the stream', async () => {
    sim = await startSimulator();
    sim.setFaults({ errorRate: 1 });
    expect(await outcomes(sim, 2)).toEqual([500, 500]);
    sim.setFaults({});
    expect(await outcomes(sim, 1)).toEqual([200]);
    expect(() => sim!.setFaults({ dropRate: 2 })).toThrow(RangeError);
  });

  it('failNext drop, drop_after and hang', async () => {
    sim = await startSimulator();
    const dt = sim.decisionTelecom;
    dt.failNext('drop');
    expect(await outcomes(sim, 2)).toEqual(['drop', 200]);
    expect(dt.messages.size).toBe(1);
    // drop_after: the message is accepted, the answer lost.
    dt.failNext('drop_after');
    expect(await outcomes(sim, 1)).toEqual(['drop']);
    expect(dt.messages.size).toBe(2);
    dt.failNext('hang');
    await expect(
      fetch(`${dt.baseUrl}/send-whatsapp`, {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify(TEXT),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect(dt.requests.at(-1)?.outcome).toBe('hung');
  });

  it('failNext forces each DecisionTelecom error, on sends by default', async () => {
    sim = await startSimulator();
    const dt = sim.decisionTelecom;
    const cases = [
      ['server_error', 500, 2],
      ['rate_limit', 429, 0],
      ['balance', 402, 3],
      ['session_window', 503, 7],
      ['mime_type', 401, 8],
      ['auth', 401, 0],
    ] as const;
    for (const [kind, status, code] of cases) {
      dt.failNext(kind);
      // A status query does not consume a send's failure.
      expect((await post(`${dt.baseUrl}/receive-whatsapp`, { message_id: 1 }, AUTH)).status).toBe(400);
      const r = await post(`${dt.baseUrl}/send-whatsapp`, TEXT, AUTH);
      expect([kind, r.status, r.json.code, r.json.status]).toEqual([kind, status, code, status]);
    }
    dt.failNext('balance', { endpoint: 'status' });
    expect((await post(`${dt.baseUrl}/receive-whatsapp`, { message_id: 1 }, AUTH)).status).toBe(402);
  });
});
