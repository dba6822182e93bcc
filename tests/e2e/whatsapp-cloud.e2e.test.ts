// WhatsApp Cloud API end to end: @parley/core + @parley/adapter-whatsapp-cloud, built, against
// the simulator's Graph-like side over real HTTP on loopback, with signed webhooks to a real
// loopback server.
import { createHmac } from 'node:crypto';
import { createRouter, type InboundMessage, type Messenger } from '@parley/core';
import type { Simulator } from '@parley/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventsOf,
  expectMonotonic,
  failure,
  type HookServer,
  Resources,
  recordEvents,
  TO,
  TO_DIGITS,
  until,
} from './support.js';

const ACCESS_TOKEN = 'e2e-cloud-access-token';
const APP_SECRET = 'e2e-cloud-app-secret-0123456789';
const VERIFY_TOKEN = 'e2e-cloud-verify-token';
const PHONE_NUMBER_ID = '106540352242922';

const res = new Resources();
afterEach(() => res.closeAll());

interface Setup {
  sim: Simulator;
  wa: Simulator['whatsappCloud'];
  messenger: Messenger;
  hooks: HookServer;
  inbound: InboundMessage[];
}

async function setup(stepMs = 20): Promise<Setup> {
  const sim = await res.simulator({ whatsappCloud: { accessToken: ACCESS_TOKEN, stepMs } });
  const hooks = await res.hookServer();
  const messenger = res.messenger({
    provider: 'whatsapp-cloud',
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    baseUrl: sim.whatsappCloud.baseUrl,
  });
  hooks.mount(messenger.webhook!);
  sim.whatsappCloud.setWebhook(hooks.url, APP_SECRET);
  const inbound: InboundMessage[] = [];
  messenger.on('message', (m) => inbound.push(m));
  return { sim, wa: sim.whatsappCloud, messenger, hooks, inbound };
}

describe('WhatsApp Cloud API end to end', () => {
  it('Meta’s handshake over HTTP: the challenge as text with the verify token, 403 without', async () => {
    const { hooks } = await setup();
    const ok = await fetch(`${hooks.url}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=42424242`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('42424242');
    const bad = await fetch(`${hooks.url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(bad.status).toBe(403);
  });

  it('text before the customer wrote: SESSION_WINDOW_CLOSED, not sent; after an inbound message: sent, delivered, read', async () => {
    const { wa, messenger, inbound } = await setup();
    const { statuses, errors } = recordEvents(messenger);
    const refused = await failure(messenger.send({ type: 'text', to: TO, text: 'Hola' }));
    expect(refused).toMatchObject({ code: 'SESSION_WINDOW_CLOSED', delivery: 'not_sent', providerCode: 131047 });
    expect(refused.message).toMatch(/fbtrace_id/);

    const reply = await wa.inbound(TO, { text: '¿Dónde está mi pedido?' });
    expect(reply.httpStatus).toBe(200);
    expect(inbound).toEqual([
      expect.objectContaining({
        id: reply.id,
        provider: 'whatsapp-cloud',
        from: TO_DIGITS,
        type: 'text',
        text: '¿Dónde está mi pedido?',
      }),
    ]);

    const { id } = await messenger.send({ type: 'text', to: TO, text: 'Sale hoy' });
    await until(() => eventsOf(statuses, id).some((u) => u.status === 'read'), 5_000, 'read');
    expect(eventsOf(statuses, id).map((u) => u.status)).toEqual(['accepted', 'sent', 'delivered', 'read']);
    expectMonotonic(eventsOf(statuses, id));
    expect(errors).toEqual([]);
    expect(wa.webhookLog.every((w) => w.outcome === 'sent')).toBe(true);
  });

  it('a template needs no window; the customer’s reply quoting it carries replyTo = its Parley id', async () => {
    const { wa, messenger, inbound } = await setup(3_600_000);
    const { id, providerMessageId } = await messenger.send({
      type: 'template',
      to: TO,
      name: 'pedido_enviado',
      language: 'es',
      variables: ['Ana'],
    });
    expect(wa.sent[0]?.body).toMatchObject({
      type: 'template',
      template: { name: 'pedido_enviado', language: { code: 'es' } },
      biz_opaque_callback_data: id,
    });
    await wa.inbound(TO, { text: 'Gracias' }, { replyTo: providerMessageId! });
    expect(inbound[0]?.replyTo).toBe(id);
  });

  it('an inbound image arrives as a media reference', async () => {
    const { wa, inbound } = await setup();
    await wa.inbound(
      TO,
      { image: { id: '555', mimeType: 'image/png', caption: 'factura' } },
      { phoneNumberId: PHONE_NUMBER_ID },
    );
    expect(inbound[0]).toMatchObject({
      type: 'image',
      media: { id: '555', mimeType: 'image/png', caption: 'factura' },
    });
  });

  it('statuses pushed out of order and twice: each status once, never backwards', async () => {
    const { wa, messenger } = await setup(3_600_000);
    const { statuses } = recordEvents(messenger);
    await wa.inbound(TO, { text: 'hola' }, { phoneNumberId: PHONE_NUMBER_ID });
    const { id, providerMessageId } = await messenger.send({
      type: 'image',
      to: TO,
      url: 'https://cdn.example.com/a.png',
    });
    for (const status of ['delivered', 'sent', 'delivered', 'read', 'read'] as const) {
      expect(await wa.pushStatus(providerMessageId!, status)).toBe(200);
    }
    expect(eventsOf(statuses, id).map((u) => u.status)).toEqual(['accepted', 'delivered', 'read']);
  });

  it('a failed status carries Meta’s error', async () => {
    const { wa, messenger } = await setup(3_600_000);
    const { statuses } = recordEvents(messenger);
    const { id, providerMessageId } = await messenger.send({ type: 'template', to: TO, name: 'hello_world' });
    await wa.pushStatus(providerMessageId!, 'failed', { code: 131026, title: 'Message undeliverable' });
    expect(eventsOf(statuses, id).at(-1)).toMatchObject({ status: 'failed', error: { code: 131026 } });
  });

  it('a throughput error (130429) is retried and the message goes out once', async () => {
    const { wa, messenger } = await setup(3_600_000);
    wa.failNext('rate_limit');
    const result = await messenger.send({ type: 'template', to: TO, name: 'hello_world' });
    expect(result.status).toBe('accepted');
    expect(wa.requests).toHaveLength(2);
    expect(wa.sent).toHaveLength(1);
  });

  it('a webhook call signed with another secret, or tampered with, is answered 401 over HTTP', async () => {
    const { hooks, messenger } = await setup();
    const { errors } = recordEvents(messenger);
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const forged = `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`;
    const one = await fetch(hooks.url, { method: 'POST', headers: { 'x-hub-signature-256': forged }, body });
    expect(one.status).toBe(401);
    const good = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
    const two = await fetch(hooks.url, { method: 'POST', headers: { 'x-hub-signature-256': good }, body: `${body} ` });
    expect(two.status).toBe(401);
    expect(errors.map((e) => e.code)).toEqual(['AUTH', 'AUTH']);
  });

  it('failover: DecisionTelecom refuses the credential, the Cloud API sends the template', async () => {
    const { sim, wa, messenger: cloud } = await setup(3_600_000);
    const dt = res.messenger({
      provider: 'decisiontelecom',
      apiKey: 'e2e-dt-key',
      sender: 'Acme',
      baseUrl: sim.decisionTelecom.baseUrl,
      tracking: false,
    });
    sim.decisionTelecom.failNext('auth');
    const router = createRouter({ strategy: 'failover', messengers: [dt, cloud] });
    const result = await router.send({ type: 'template', to: TO, name: 'hello_world' });
    expect(result.provider).toBe('whatsapp-cloud');
    expect(wa.sent).toHaveLength(1);
  });
});
