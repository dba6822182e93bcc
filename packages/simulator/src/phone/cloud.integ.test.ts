// The dev phone and the WhatsApp Cloud API side: bubbles, statuses from the side's webhooks,
// refusals with the Graph error, replies as the customer through `inbound(...)`, faults, clear.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Simulator } from '../options.js';
import { startSimulator } from '../server.js';
import { post, startReceiver } from '../test-util.js';

const TOKEN = 'phone-cloud-token';
const SECRET = 'phone-cloud-app-secret';
const PNID = '106540352242922';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let sim: Simulator | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

/** A simulator whose Cloud side signs its webhooks to a loopback receiver (answering `status`). */
async function start(stepMs = 3_600_000, status = 200) {
  receiver = await startReceiver(status);
  sim = await startSimulator({ whatsappCloud: { accessToken: TOKEN, stepMs } });
  sim.whatsappCloud.setWebhook(`${receiver.url}/hooks`, SECRET);
  return { s: sim, hooks: receiver };
}
const send = (s: Simulator, body: Record<string, unknown>, pnid = PNID) =>
  post(`${s.whatsappCloud.baseUrl}/v26.0/${pnid}/messages`, { messaging_product: 'whatsapp', ...body }, AUTH);
const TEMPLATE = {
  to: '573005550003',
  type: 'template',
  template: {
    name: 'order_ready',
    language: { code: 'es' },
    components: [
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ana' },
          { type: 'text', text: '#1042' },
        ],
      },
    ],
  },
};

describe('the dev phone shows the WhatsApp Cloud API side', () => {
  it('each send as a bubble in a conversation per number and phone number id: template, text, image', async () => {
    const { s } = await start();
    const sent = await send(s, TEMPLATE);
    expect(sent.status).toBe(200);
    await s.whatsappCloud.inbound('573005550003', { text: 'hola' }, { phoneNumberId: PNID });
    await send(s, { to: '573005550003', type: 'text', text: { body: 'Sale hoy' } });
    await send(s, {
      to: '573005550003',
      type: 'image',
      image: { link: 'http://127.0.0.1:1/a.jpg', caption: 'Factura' },
    });
    await send(s, TEMPLATE, '999000111');
    const [template, text, image, other] = s.phone.messages;
    expect(template).toMatchObject({
      provider: 'whatsapp-cloud',
      account: PNID,
      to: '+573005550003',
      direction: 'outbound',
      kind: 'template',
      template: { name: 'order_ready', language: 'es', variables: ['Ana', '#1042'] },
      status: 'accepted',
      providerStatus: 'accepted',
      providerMessageId: sent.json.messages[0].id,
    });
    expect(text).toMatchObject({ kind: 'text', text: 'Sale hoy', status: 'accepted' });
    expect(image).toMatchObject({ kind: 'image', imageUrl: 'http://127.0.0.1:1/a.jpg', text: 'Factura' });
    expect(other?.account).toBe('999000111');
    expect(s.phone.get(sent.json.messages[0].id)?.id).toBe(template?.id);
    const conversations = s.phone.conversations();
    expect(conversations.map((c) => c.key)).toEqual([
      'whatsapp-cloud:999000111:573005550003',
      `whatsapp-cloud:${PNID}:573005550003`,
    ]);
    expect(conversations[1]?.messages).toBe(3);
  });

  it('follows the statuses the side reports: sent, delivered, read, never backwards', async () => {
    const { s } = await start(5);
    const sent = await send(s, TEMPLATE);
    const read = await s.phone.waitForMessage({ provider: 'whatsapp-cloud', status: 'read', timeoutMs: 4000 });
    expect(read).toMatchObject({ providerMessageId: sent.json.messages[0].id, providerStatus: 'read' });
    // A late webhook (out of order, or repeated) leaves the ticks where they are.
    await s.whatsappCloud.pushStatus(sent.json.messages[0].id, 'delivered');
    expect(s.phone.get(read.id)?.status).toBe('read');
  });

  it('moves a status by hand through pushStatus: a signed status webhook to the app', async () => {
    const { s, hooks } = await start();
    await send(s, TEMPLATE);
    const [m] = s.phone.messages;
    expect(s.phone.setStatus(m!.id, 'delivered').status).toBe('delivered');
    await hooks.waitFor(1);
    const body = JSON.stringify(hooks.received[0]?.body);
    expect(body).toContain('"status":"delivered"');
    const signature = hooks.received[0]?.headers['x-hub-signature-256'];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    await vi.waitFor(() =>
      expect(s.whatsappCloud.webhookLog.at(-1)).toMatchObject({ kind: 'status', what: 'delivered', outcome: 'sent' }),
    );

    s.phone.setStatus(m!.id, 'failed');
    expect(s.phone.get(m!.id)).toMatchObject({ status: 'failed', providerStatus: 'failed 131026' });
    await hooks.waitFor(2);
    expect(hooks.received[1]?.body.entry[0].changes[0].value.statuses[0]).toMatchObject({
      status: 'failed',
      errors: [{ code: 131026 }],
    });
    expect(() => s.phone.setStatus(m!.id, 'rejected')).toThrow(/sent, delivered, read or failed/);
    // Over HTTP as well, by wamid.
    await send(s, TEMPLATE);
    const second = s.phone.messages[1]!;
    const answer = await post(`${s.url}/_sim/status`, { id: second.providerMessageId, status: 'read' });
    expect(answer.json.message).toMatchObject({ id: second.id, status: 'read' });
  });

  it('shows a refused request in its conversation with the Graph error: 131047, 130429, 5xx', async () => {
    const { s } = await start();
    const refused = await send(s, { to: '573005550003', type: 'text', text: { body: 'Too early' } });
    expect(refused.status).toBe(400);
    s.phone.fault({ provider: 'whatsapp-cloud', kind: 'rate_limit' });
    s.phone.fault({ provider: 'whatsapp-cloud', kind: 'server_error', times: 2 });
    expect(s.phone.pendingFaults['whatsapp-cloud']).toEqual([
      { kind: 'rate_limit', endpoint: 'any', times: 1 },
      { kind: 'server_error', endpoint: 'any', times: 2 },
    ]);
    expect((await send(s, TEMPLATE)).status).toBe(429);
    expect((await send(s, TEMPLATE)).status).toBe(500);
    const [window, throughput, server] = s.phone.find({ refused: true });
    expect(window).toMatchObject({ kind: 'text', text: 'Too early', status: 'rejected', providerStatus: '400' });
    expect(window?.error?.message).toMatch(
      /^HTTP 400: \(#131047\) Re-engagement message — .*24 hours.*\(code 131047\)$/,
    );
    expect(throughput?.error?.message).toMatch(/HTTP 429: .*130429/);
    expect(server?.error?.httpStatus).toBe(500);
    expect(s.phone.conversations()).toHaveLength(1);
    expect(s.phone.pendingFaults['whatsapp-cloud']).toEqual([{ kind: 'server_error', endpoint: 'any', times: 1 }]);
    expect(() => s.phone.fault({ provider: 'whatsapp-cloud', kind: 'concurrency' })).toThrow(/131047|session_window/);
    const armed = await post(`${s.url}/_sim/faults`, { provider: 'whatsapp-cloud', kind: 'session_window' });
    expect(armed.json.faults['whatsapp-cloud']).toHaveLength(2);
  });

  it('a reply as the customer goes through inbound(): window open, signed messages webhook, bubble delivered', async () => {
    const { s, hooks } = await start();
    await send(s, TEMPLATE);
    const message = s.phone.reply({ to: '+57 300 555 0003', text: 'Sí, gracias', provider: 'whatsapp-cloud' });
    expect(message).toMatchObject({
      provider: 'whatsapp-cloud',
      account: PNID,
      direction: 'inbound',
      status: 'pending',
      text: 'Sí, gracias',
    });
    expect(s.whatsappCloud.isWindowOpen('573005550003')).toBe(true);
    const done = await s.phone.waitForMessage({ inbound: true, status: 'delivered', timeoutMs: 4000 });
    expect(done).toMatchObject({ id: message.id, providerStatus: '200' });
    expect(done.providerMessageId).toMatch(/^wamid\./);
    await hooks.waitFor(1);
    const raw = JSON.stringify(hooks.received[0]?.body);
    expect(hooks.received[0]?.headers['x-hub-signature-256']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
    );
    expect(hooks.received[0]?.body.entry[0].changes[0].value).toMatchObject({
      metadata: { phone_number_id: PNID },
      messages: [{ from: '573005550003', type: 'text', text: { body: 'Sí, gracias' }, id: done.providerMessageId }],
    });
    // The window is open: free-form text is accepted now.
    expect((await send(s, { to: '573005550003', type: 'text', text: { body: 'Sale hoy' } })).status).toBe(200);
  });

  it('/_sim/reply answers once the app did; a webhook that refuses it marks the reply failed', async () => {
    const { s } = await start(3_600_000, 401);
    await send(s, TEMPLATE);
    const answer = await post(`${s.url}/_sim/reply`, { to: '573005550003', text: 'hola', provider: 'whatsapp-cloud' });
    expect(answer.status).toBe(200);
    expect(answer.json.message).toMatchObject({ status: 'failed', providerStatus: '401', direction: 'inbound' });
    expect(answer.json.message.error.message).toBe("the app's webhook answered HTTP 401");
    const bad = await post(`${s.url}/_sim/reply`, { to: '573005550003', text: 'hola', provider: 'whatsapp' });
    expect(bad.json.error).toMatch(/decisiontelecom, wolkvox or whatsapp-cloud/);
  });

  it('Clear all forgets the Cloud side: messages, windows, sends, forced failures', async () => {
    const { s } = await start();
    await send(s, TEMPLATE);
    await post(`${s.url}/_sim/reply`, { to: '573005550003', text: 'hola', provider: 'whatsapp-cloud' });
    s.phone.fault({ provider: 'whatsapp-cloud', kind: 'auth' });
    expect(s.phone.messages).toHaveLength(2);
    const cleared = await post(`${s.url}/_sim/reset`, {});
    expect(cleared.status).toBe(200);
    expect(s.phone.messages).toEqual([]);
    expect(s.whatsappCloud.sent).toEqual([]);
    expect(s.whatsappCloud.isWindowOpen('573005550003')).toBe(false);
    expect(s.phone.pendingFaults['whatsapp-cloud']).toEqual([]);
  });
});
