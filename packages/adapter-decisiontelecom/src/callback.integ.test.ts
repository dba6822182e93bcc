import { createMessenger, type Messenger, type ParleyError, type StatusUpdate } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import { basicToken } from './auth.js';
import { decisionTelecom } from './provider.js';
import { WEBHOOK_SECRET } from './test-support/cases.js';
import { type FakeDecisionTelecom, startFakeDecisionTelecom } from './test-support/fake-decisiontelecom.js';
import { type LateBoundServer, send, startLateBoundServer, until } from './test-support/http.js';

const API_KEY = 'callback-test-key';

interface World {
  readonly fake: FakeDecisionTelecom;
  readonly hooks: LateBoundServer;
  readonly messenger: Messenger;
  readonly events: StatusUpdate[];
  readonly errors: ParleyError[];
}

let world: World | undefined;

afterEach(async () => {
  await world?.messenger.close();
  await Promise.all([world?.fake.close(), world?.hooks.close()]);
  world = undefined;
});

async function open(): Promise<World> {
  const fake = await startFakeDecisionTelecom({ token: basicToken(API_KEY) });
  const hooks = await startLateBoundServer();
  const messenger = createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: API_KEY,
      sender: 'Acme',
      baseUrl: fake.baseUrl,
      callbackUrl: `${hooks.url}/hooks/whatsapp?tenant=7`,
      webhookSecret: WEBHOOK_SECRET,
      tracking: 'false',
    },
    { providers: [decisionTelecom] },
  );
  if (!messenger.webhook) throw new Error('no webhook');
  hooks.mount(messenger.webhook);
  const events: StatusUpdate[] = [];
  const errors: ParleyError[] = [];
  messenger.on('status', (u) => events.push(u));
  messenger.on('error', (e) => errors.push(e));
  world = { fake, hooks, messenger, events, errors };
  return world;
}

/** Sends a text and returns its Parley id and the callback URL the provider received for it. */
async function sendOne(w: World): Promise<{ id: string; callbackUrl: string; messageId: string }> {
  const { id } = await w.messenger.send({ type: 'text', to: '+380 63 123 4567', text: 'hi' });
  const request = w.fake.sends().at(-1);
  return { id, callbackUrl: String(request?.json?.callback_url), messageId: String(request?.messageId) };
}

describe('DecisionTelecom callbacks through messenger.webhook on a Node http server', () => {
  it('turns webhook-only tracking on when tracking is off and callbacks are set', async () => {
    const w = await open();
    expect(w.messenger.capabilities.statusTracking).toBe('webhook');
  });

  it('feeds status events from a JSON POST, a form POST and a GET query', async () => {
    const w = await open();
    const { id, callbackUrl, messageId } = await sendOne(w);
    expect(new URL(callbackUrl).origin).toBe(w.hooks.url);

    const json = await send(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: Number(messageId), status: 0 }),
    });
    expect(json.status).toBe(200);
    await until(() => w.events.some((e) => e.status === 'sent'));

    const form = await send(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `message_id=${messageId}&status=1`,
    });
    expect(form.status).toBe(200);
    await until(() => w.events.some((e) => e.status === 'delivered'));

    const query = await send(`${callbackUrl}&message_id=${messageId}&status=7`, { method: 'GET' });
    expect(query.status).toBe(200);
    await until(() => w.events.some((e) => e.status === 'read'));

    expect(w.events.map((e) => [e.id, e.status, e.providerStatus])).toEqual([
      [id, 'accepted', undefined],
      [id, 'sent', 0],
      [id, 'delivered', '1'],
      [id, 'read', '7'],
    ]);
    expect(w.events.at(-1)?.final).toBe(true);
    // Callbacks only: the provider's status endpoint was never asked.
    expect(w.fake.statusQueries()).toHaveLength(0);
  });

  it('answers 401 to a forged signature and emits nothing', async () => {
    const w = await open();
    const { callbackUrl } = await sendOne(w);
    const forged = new URL(callbackUrl);
    const sig = forged.searchParams.get('parley_sig') ?? '';
    forged.searchParams.set('parley_sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    const answer = await send(forged.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"status":7}',
    });
    expect(answer.status).toBe(401);
    const unsigned = new URL(callbackUrl);
    unsigned.searchParams.delete('parley_sig');
    expect((await send(`${unsigned.toString()}&status=7`, { method: 'GET' })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(w.events.map((e) => e.status)).toEqual(['accepted']);
    expect(w.errors.map((e) => e.code)).toEqual(['AUTH', 'AUTH']);
  });

  it('answers 400 to a callback without a status code or name', async () => {
    const w = await open();
    const { callbackUrl } = await sendOne(w);
    const missing = await send(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const words = await send(`${callbackUrl}&status=lost`, { method: 'GET' });
    expect([missing.status, words.status]).toEqual([400, 400]);
    expect(w.events.map((e) => e.status)).toEqual(['accepted']);
  });

  it('reads a status by name ("delivered", "Seen") from a callback', async () => {
    const w = await open();
    const { callbackUrl } = await sendOne(w);
    const json = await send(callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"status":"delivered"}',
    });
    const query = await send(`${callbackUrl}&status=Seen`, { method: 'GET' });
    expect([json.status, query.status]).toEqual([200, 200]);
    await until(() => w.events.some((e) => e.status === 'read'));
    expect(w.events.map((e) => [e.status, e.providerStatus])).toEqual([
      ['accepted', undefined],
      ['delivered', 'delivered'],
      ['read', 'Seen'],
    ]);
  });

  it('serves a Fetch Request too (as behind Hono or a route handler)', async () => {
    const w = await open();
    const { id, callbackUrl } = await sendOne(w);
    const webhook = w.messenger.webhook;
    if (!webhook) throw new Error('no webhook');
    const response = await webhook(
      new Request(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"status":"2"}',
      }),
    );
    expect(response.status).toBe(200);
    expect(w.events.at(-1)).toMatchObject({ id, status: 'rejected', providerStatus: '2', final: true });
  });
});
