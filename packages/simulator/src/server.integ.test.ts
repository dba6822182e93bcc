import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.js';
import { startSimulator } from './server.js';
import { b64, basic, post } from './test-util.js';

const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };

describe('startSimulator', () => {
  it('serves both providers on one loopback port, under the documented prefixes', async () => {
    const sim = await startSimulator();
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.decisionTelecom.baseUrl).toBe(`${sim.url}/decisiontelecom/v1/api`);
      expect(sim.wolkvox.baseUrl).toBe(`${sim.url}/wolkvox/api/v2`);
      const root = await fetch(sim.url);
      expect(await root.json()).toMatchObject({ name: '@parley/simulator' });
      expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
      expect((await fetch(`${sim.url}/decisiontelecom/v1/apix/send-whatsapp`)).status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('refuses a host off this machine and bad options', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startSimulator({ latencyMs: [10, 5] })).rejects.toThrow(RangeError);
    await expect(startSimulator({ wolkvox: { token: '' } })).rejects.toThrow(TypeError);
    await expect(startSimulator({ wolkvox: { maxConcurrent: 0 } })).rejects.toThrow(RangeError);
  });

  it('listens on ::1 when asked', async () => {
    const sim = await startSimulator({ host: '::1' }).catch(() => undefined);
    if (!sim) return; // no IPv6 loopback on this machine
    try {
      expect(sim.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, basic('a2V5'))).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('records requests without their secrets', async () => {
    const sim = await startSimulator();
    try {
      await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, basic(b64('top-secret')));
      await post(
        `${sim.wolkvox.baseUrl}/whatsapp.php?api=send_template_official`,
        {},
        { 'wolkvox-token': 'also-secret' },
      );
      const [dt] = sim.decisionTelecom.requests;
      const [wv] = sim.wolkvox.requests;
      expect(dt).toMatchObject({
        provider: 'decisiontelecom',
        method: 'POST',
        path: '/send-whatsapp',
        body: TEXT,
        status: 200,
        outcome: 'answered',
        credential: fingerprint('top-secret'),
      });
      expect(dt!.headers.authorization).toBe('[redacted]');
      expect(wv).toMatchObject({
        path: '/whatsapp.php?api=send_template_official',
        status: 400,
        credential: fingerprint('also-secret'),
      });
      expect(wv!.headers['wolkvox-token']).toBe('[redacted]');
      const all = JSON.stringify([sim.decisionTelecom.requests, sim.wolkvox.requests]);
      expect(all).not.toContain('top-secret');
      expect(all).not.toContain(b64('top-secret'));
      expect(all).not.toContain('also-secret');
      expect(wv!.seq).toBeGreaterThan(dt!.seq);
      expect(sim.decisionTelecom.concurrency('top-secret').maxInFlight).toBe(1);
      sim.reset();
      expect(sim.decisionTelecom.requests).toEqual([]);
      expect(sim.decisionTelecom.counts.received).toBe(0);
      expect(sim.decisionTelecom.maxConcurrentPerToken.size).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('keeps only the newest maxRecordedRequests', async () => {
    const sim = await startSimulator({ maxRecordedRequests: 2 });
    try {
      for (let i = 0; i < 3; i++)
        await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, { ...TEXT, text: `m${i}` }, basic('a'));
      expect(sim.decisionTelecom.requests.map((r) => (r.body as { text: string }).text)).toEqual(['m1', 'm2']);
      expect(sim.decisionTelecom.counts.received).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const sim = await startSimulator();
    try {
      const r = await post(`${sim.decisionTelecom.baseUrl}/send-whatsapp`, 'x'.repeat(1024 * 1024 + 1), basic('a'));
      expect(r.status).toBe(413);
    } finally {
      await sim.close();
    }
  });
});
