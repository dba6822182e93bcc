import { inspect } from 'node:util';
import { createMessenger, hashKey, ParleyError } from '@parley/core';
import { sessionWindowKey } from '@parley/core/provider';
import { jsonResponse } from '@parley/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSION } from './config.js';
import { whatsappCloud } from './provider.js';
import {
  APP_SECRET,
  type Harness,
  harness,
  NOW,
  notification,
  PHONE_NUMBER_ID,
  sign,
  statusOf,
  TO,
  TO_DIGITS,
  TOKEN,
  VERIFY_TOKEN,
} from './test-support/harness.js';

let open: Harness | undefined;
afterEach(async () => {
  await open?.messenger.close();
  open = undefined;
});
const start = (...args: Parameters<typeof harness>): Harness => {
  open = harness(...args);
  return open;
};

async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error('expected a failure');
}

describe('whatsapp-cloud config', () => {
  it('takes a DSN whose user part is the access token', async () => {
    const h = start();
    const messenger = createMessenger(`whatsapp-cloud://${TOKEN}@default?phoneNumberId=${PHONE_NUMBER_ID}`, {
      providers: [whatsappCloud],
      transport: h.transport,
    });
    expect(messenger.provider).toBe('whatsapp-cloud');
    await messenger.send({ type: 'text', to: TO, text: 'hi' });
    expect(h.transport.requests[0]?.url).toBe(
      `https://graph.facebook.com/${DEFAULT_API_VERSION}/${PHONE_NUMBER_ID}/messages`,
    );
    await messenger.close();
  });

  it('names every bad field before any request: phoneNumberId, apiVersion, verifyToken without appSecret', () => {
    let error: unknown;
    try {
      createMessenger(
        {
          provider: 'whatsapp-cloud',
          accessToken: TOKEN,
          phoneNumberId: '+57 300',
          apiVersion: '26',
          verifyToken: 'v',
        },
        { providers: [whatsappCloud] },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParleyError);
    const paths = (error as ParleyError).issues?.map((i) => i.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['phoneNumberId', 'apiVersion']));
    const again = (() => {
      try {
        createMessenger(
          { provider: 'whatsapp-cloud', accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, verifyToken: 'v' },
          { providers: [whatsappCloud] },
        );
      } catch (e) {
        return e as ParleyError;
      }
      return undefined;
    })();
    expect(again?.issues).toEqual([expect.objectContaining({ path: 'appSecret' })]);
    expect(again?.message).toMatch(/appSecret is required with webhooks/);
  });

  it('keeps the token, the app secret and the verify token out of inspect, JSON and errors', async () => {
    const h = start({}, () => jsonResponse(401, { error: { code: 190, message: `bad token ${TOKEN}` } }));
    const error = await failure(h.messenger.send({ type: 'text', to: TO, text: 'x' }));
    for (const text of [inspect(h.messenger), JSON.stringify(h.messenger), inspect(error), JSON.stringify(error)]) {
      for (const secret of [TOKEN, APP_SECRET, VERIFY_TOKEN]) expect(text).not.toContain(secret);
    }
  });

  it('capabilities: with appSecret a webhook with inbound messages; without, neither', async () => {
    const h = start();
    expect(h.messenger.capabilities).toEqual({
      text: true,
      image: true,
      template: true,
      statusTracking: 'webhook',
      statusQuery: false,
      webhook: true,
      inbound: true,
    });
    expect(typeof h.messenger.webhook).toBe('function');
    const bare = createMessenger(
      { provider: 'whatsapp-cloud', accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID },
      { providers: [whatsappCloud], transport: h.transport },
    );
    expect(bare.capabilities).toMatchObject({ webhook: false, inbound: false, statusTracking: 'none' });
    expect(bare.webhook).toBeUndefined();
    expect((await failure(bare.getStatus('pm_x'))).code).toBe('UNSUPPORTED');
    await bare.close();
  });
});

describe('whatsapp-cloud sends: the request of each message type', () => {
  it('text: POST /{version}/{phoneNumberId}/messages, Bearer, messaging_product, recipient_type, to, text.body', async () => {
    const h = start({ apiVersion: 'v25.0', baseUrl: 'http://127.0.0.1:9/graph' });
    const result = await h.messenger.send({ type: 'text', to: TO, text: 'Hola Ana' });
    const request = h.transport.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`http://127.0.0.1:9/graph/v25.0/${PHONE_NUMBER_ID}/messages`);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(h.body()).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: TO_DIGITS,
      biz_opaque_callback_data: result.id,
      type: 'text',
      text: { body: 'Hola Ana' },
    });
    expect(result.providerMessageId).toMatch(/^wamid\./);
  });

  it('image: image.link and image.caption', async () => {
    const h = start();
    await h.messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/a.png', caption: 'Tu pedido' });
    expect(h.body()).toMatchObject({
      type: 'image',
      image: { link: 'https://cdn.example.com/a.png', caption: 'Tu pedido' },
    });
    await h.messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/b.jpg' });
    expect(h.body(1).image).toEqual({ link: 'https://cdn.example.com/b.jpg' });
  });

  it('template: name, language.code (default en_US, pt-BR → pt_BR), variables as body text parameters', async () => {
    const h = start();
    await h.messenger.send({ type: 'template', to: TO, name: 'hello_world' });
    expect(h.body().template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
    await h.messenger.send({ type: 'template', to: TO, name: 'pedido', language: 'pt-BR', variables: ['Ana', '#12'] });
    expect(h.body(1).template).toEqual({
      name: 'pedido',
      language: { code: 'pt_BR' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '#12' },
          ],
        },
      ],
    });
  });

  it('template: components from the unified model, the body after the header, a button index as a string', async () => {
    const h = start({ templateLanguage: 'es' });
    await h.messenger.send({
      type: 'template',
      to: TO,
      name: 'envio',
      variables: ['Ana'],
      components: [
        { type: 'button', sub_type: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'STOP' }] },
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/h.png' } }] },
      ],
    });
    expect(h.body().template).toEqual({
      name: 'envio',
      language: { code: 'es' },
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/h.png' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'STOP' }] },
      ],
    });
  });

  it('refuses a template namespace (an on-premises field) before any request', async () => {
    const h = start();
    const error = await failure(h.messenger.send({ type: 'template', to: TO, name: 'x', namespace: 'ns' }));
    expect(error.code).toBe('VALIDATION');
    expect(error.issues?.[0]?.path).toBe('namespace');
    expect(h.transport.requests).toHaveLength(0);
  });

  it('a 200 without messages[0].id is PROTOCOL with delivery unknown', async () => {
    const h = start({}, () => jsonResponse(200, { messaging_product: 'whatsapp' }));
    const error = await failure(h.messenger.send({ type: 'text', to: TO, text: 'x' }));
    expect(error).toMatchObject({ code: 'PROTOCOL', delivery: 'unknown' });
  });
});

describe('whatsapp-cloud errors: the Graph error table', () => {
  const graph = (status: number, code: number | undefined, extra: Record<string, unknown> = {}) =>
    jsonResponse(status, {
      error: {
        message: 'Meta says no',
        type: 'OAuthException',
        ...(code !== undefined ? { code } : {}),
        error_data: { messaging_product: 'whatsapp', details: 'the details' },
        fbtrace_id: 'AbCdEfTrace',
        ...extra,
      },
    });
  const rows: [string, number, number | undefined, Partial<ParleyError>][] = [
    ['131047 re-engagement', 400, 131047, { code: 'SESSION_WINDOW_CLOSED', delivery: 'not_sent', retryable: false }],
    ['130429 throughput', 400, 130429, { code: 'RATE_LIMITED', delivery: 'not_sent', retryable: true }],
    ['131056 pair rate limit', 400, 131056, { code: 'RATE_LIMITED', delivery: 'not_sent', retryable: true }],
    ['80007 WABA rate limit', 400, 80007, { code: 'RATE_LIMITED', delivery: 'not_sent', retryable: true }],
    ['4 app call limit', 400, 4, { code: 'RATE_LIMITED', delivery: 'not_sent', retryable: true }],
    ['190 token expired', 401, 190, { code: 'AUTH', delivery: 'not_sent', retryable: false }],
    ['0 AuthException', 401, 0, { code: 'AUTH', delivery: 'not_sent' }],
    ['10 permission denied', 403, 10, { code: 'AUTH', delivery: 'not_sent' }],
    ['102 session', 401, 102, { code: 'AUTH', delivery: 'not_sent' }],
    ['131026 undeliverable', 400, 131026, { code: 'PROVIDER_REJECTED', delivery: 'not_sent', retryable: false }],
    ['131053 media', 400, 131053, { code: 'MEDIA_REJECTED', delivery: 'not_sent' }],
    ['132000 template params', 400, 132000, { code: 'PROVIDER_REJECTED', delivery: 'not_sent', retryable: false }],
    ['132001 template missing', 404, 132001, { code: 'PROVIDER_REJECTED', delivery: 'not_sent' }],
    ['132016 template paused', 400, 132016, { code: 'PROVIDER_REJECTED', delivery: 'not_sent' }],
    ['5xx with code 1', 500, 1, { code: 'PROVIDER_ERROR', delivery: 'unknown' }],
    ['503 with code 2', 503, 2, { code: 'PROVIDER_ERROR', delivery: 'unknown' }],
    ['an unknown code under 400', 400, 987654, { code: 'PROVIDER_REJECTED', delivery: 'not_sent' }],
    ['an unknown code under 429', 429, 987654, { code: 'RATE_LIMITED', delivery: 'not_sent' }],
    ['no code under 401', 401, undefined, { code: 'AUTH' }],
  ];

  it.each(rows)('%s', async (_name, status, code, expected) => {
    const h = start({}, () => graph(status, code));
    const error = await failure(h.messenger.send({ type: 'text', to: TO, text: 'x' }));
    expect(error).toMatchObject({ ...expected, provider: 'whatsapp-cloud', httpStatus: status });
    if (code !== undefined) expect(error.providerCode).toBe(code);
    expect(error.message).toContain('fbtrace_id AbCdEfTrace');
    expect(error.message).toContain('the details');
  });

  it('keeps the subcode and Meta’s message, and reads Retry-After on a rate limit', async () => {
    const h = start({}, () => ({
      ...graph(400, 130429, { error_subcode: 2494055 }),
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
    }));
    const error = await failure(h.messenger.send({ type: 'text', to: TO, text: 'x' }));
    expect(error.message).toMatch(/subcode 2494055/);
    expect(error.message).toMatch(/Meta says no: the details/);
    expect(error.retryAfterMs).toBe(7000);
  });

  it('an HTML 502 from a proxy is PROVIDER_ERROR, delivery unknown', async () => {
    const h = start({}, () => ({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>bad gateway</html>',
    }));
    const error = await failure(h.messenger.send({ type: 'text', to: TO, text: 'x' }));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', delivery: 'unknown' });
  });
});

describe('whatsapp-cloud webhook: the verification handshake', () => {
  const get = (h: Harness, query: string) =>
    h.messenger.webhook!(new Request(`https://app.example.com/hooks/whatsapp?${query}`));

  it('answers hub.challenge as text to hub.mode=subscribe with the right verify token', async () => {
    const h = start();
    const res = await get(h, `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it.each([
    ['a wrong token', `hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`],
    ['another mode', `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`],
    ['no challenge', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`],
    ['a bare GET', ''],
  ])('answers 403 to %s', async (_name, query) => {
    const h = start();
    const res = await get(h, query);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('1');
  });

  it('answers 403 to every handshake when no verifyToken is configured', async () => {
    const h = start({ verifyToken: undefined });
    const res = await get(h, `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=5`);
    expect(res.status).toBe(403);
  });
});

describe('whatsapp-cloud webhook: X-Hub-Signature-256', () => {
  const delivered = (wamid: string) => notification({ statuses: [statusOf(wamid, 'delivered')] });

  it('accepts a body signed with the app secret', async () => {
    const h = start();
    const { providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    const res = await h.post(delivered(providerMessageId!));
    expect(res.status).toBe(200);
    expect(h.statuses.map((u) => u.status)).toEqual(['accepted', 'delivered']);
  });

  it.each([
    ['a missing signature', (raw: string) => ({ raw, signature: '' })],
    ['a signature made with another secret', (raw: string) => ({ raw, signature: sign(raw, 'another-secret') })],
    ['a tampered body', (raw: string) => ({ raw: raw.replace('delivered', 'read'), signature: sign(raw) })],
    ['a signature without sha256=', (raw: string) => ({ raw, signature: sign(raw).slice('sha256='.length) })],
    ['a truncated signature', (raw: string) => ({ raw, signature: sign(raw).slice(0, 40) })],
    ['a sha1 signature header', (raw: string) => ({ raw, signature: `sha1=${'0'.repeat(40)}` })],
  ])('answers 401 to %s, before parsing, and reports AUTH', async (_name, forge) => {
    const h = start();
    const { providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    const raw = JSON.stringify(delivered(providerMessageId!));
    const res = await h.post(undefined, forge(raw));
    expect(res.status).toBe(401);
    expect(h.statuses.map((u) => u.status)).toEqual(['accepted']);
    expect(h.errors.map((e) => e.code)).toEqual(['AUTH']);
    expect(h.errors[0]!.message).not.toContain(APP_SECRET);
  });

  it('answers 401, not 400, to a forged body that is not even JSON (no parsing before authentication)', async () => {
    const h = start();
    const res = await h.post(undefined, { raw: '{not json', signature: sign('something else') });
    expect(res.status).toBe(401);
  });

  it('answers 413 to an oversize signed body, without parsing it', async () => {
    const h = start();
    const raw = JSON.stringify(notification({ statuses: [], pad: 'x'.repeat(70_000) }));
    const res = await h.post(undefined, { raw });
    expect(res.status).toBe(413);
  });

  it('answers 400 to a signed body that is not a WhatsApp notification', async () => {
    const h = start();
    const res = await h.post({ object: 'page', entry: [] });
    expect(res.status).toBe(400);
  });
});

describe('whatsapp-cloud webhook: statuses through the one status path', () => {
  it('maps sent, delivered, read; drops out-of-order and duplicated deliveries', async () => {
    const h = start();
    const { id, providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    const w = providerMessageId!;
    const echo = { biz_opaque_callback_data: id };
    for (const status of ['delivered', 'sent', 'delivered', 'read', 'delivered', 'read']) {
      const res = await h.post(notification({ statuses: [statusOf(w, status, echo)] }));
      expect(res.status).toBe(200);
    }
    expect(h.statuses.map((u) => [u.id, u.status])).toEqual([
      [id, 'accepted'],
      [id, 'delivered'],
      [id, 'read'],
    ]);
    expect(h.statuses[2]).toMatchObject({ providerStatus: 'read', final: true });
  });

  it('several statuses in one body, for two messages, in any order', async () => {
    const h = start();
    const a = await h.messenger.send({ type: 'text', to: TO, text: 'a' });
    const b = await h.messenger.send({ type: 'text', to: TO, text: 'b' });
    await h.post(
      notification({
        statuses: [
          statusOf(b.providerMessageId!, 'read'),
          statusOf(a.providerMessageId!, 'delivered'),
          statusOf(b.providerMessageId!, 'sent'),
        ],
      }),
    );
    const of = (id: string) => h.statuses.filter((u) => u.id === id).map((u) => u.status);
    expect(of(a.id)).toEqual(['accepted', 'delivered']);
    expect(of(b.id)).toEqual(['accepted', 'read']);
  });

  it('finds Parley’s id from the wamid when biz_opaque_callback_data is absent', async () => {
    const h = start();
    const { id, providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    await h.post(notification({ statuses: [statusOf(providerMessageId!, 'delivered')] }));
    expect(h.statuses.at(-1)).toMatchObject({ id, status: 'delivered' });
  });

  it('failed carries Meta’s error code and title', async () => {
    const h = start();
    const { id, providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    const errors = [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Not on WhatsApp' } }];
    await h.post(notification({ statuses: [statusOf(providerMessageId!, 'failed', { errors })] }));
    expect(h.statuses.at(-1)).toMatchObject({
      id,
      status: 'failed',
      final: true,
      error: { code: 131026, message: 'Message undeliverable: Not on WhatsApp' },
    });
  });

  it('ignores statuses of messages it never sent, of another phone number, and an echoed id that does not match', async () => {
    const h = start();
    const { id, providerMessageId } = await h.messenger.send({ type: 'text', to: TO, text: 'x' });
    const res = await h.post(notification({ statuses: [statusOf('wamid.SOMEONE_ELSE', 'delivered')] }));
    expect(res.status).toBe(200);
    await h.post(notification({ statuses: [statusOf(providerMessageId!, 'delivered')] }, '999999999'));
    await h.post(notification({ statuses: [statusOf('wamid.OTHER', 'read', { biz_opaque_callback_data: id })] }));
    expect(h.statuses.map((u) => u.status)).toEqual(['accepted']);
  });
});

describe('whatsapp-cloud webhook: inbound messages', () => {
  const contacts = [{ profile: { name: 'Ana Pérez' }, wa_id: TO_DIGITS }];
  const text = (extra: Record<string, unknown> = {}) => ({
    from: TO_DIGITS,
    id: 'wamid.IN1',
    timestamp: String(Math.floor(NOW / 1000) - 60),
    type: 'text',
    text: { body: 'Hola, ¿dónde está mi pedido?' },
    ...extra,
  });

  it('a text: message event with id, provider, from, type, text, at; raw redacted', async () => {
    const h = start();
    const res = await h.post(notification({ contacts, messages: [text()] }));
    expect(res.status).toBe(200);
    expect(h.inbound).toHaveLength(1);
    const m = h.inbound[0]!;
    expect(m).toMatchObject({
      id: 'wamid.IN1',
      provider: 'whatsapp-cloud',
      from: TO_DIGITS,
      type: 'text',
      text: 'Hola, ¿dónde está mi pedido?',
      at: new Date((Math.floor(NOW / 1000) - 60) * 1000),
    });
    expect(m.replyTo).toBeUndefined();
    const raw = JSON.stringify(m.raw);
    expect(raw).toContain('wamid.IN1');
    expect(raw).not.toContain('pedido');
    expect(raw).not.toContain(TO_DIGITS);
  });

  it('an image: a media reference (id, mime type, sha256, caption), no URL to fetch without the token', async () => {
    const h = start();
    const image = { id: '1234567890', mime_type: 'image/jpeg', sha256: 'abc123', caption: 'mi factura' };
    await h.post(notification({ messages: [text({ id: 'wamid.IN2', type: 'image', text: undefined, image })] }));
    expect(h.inbound[0]).toMatchObject({
      type: 'image',
      media: { id: '1234567890', mimeType: 'image/jpeg', sha256: 'abc123', caption: 'mi factura' },
    });
    expect(h.inbound[0]!.text).toBeUndefined();
  });

  it('replyTo: the Parley id of our message it quotes (context.id)', async () => {
    const h = start();
    const { id, providerMessageId } = await h.messenger.send({ type: 'template', to: TO, name: 'hello_world' });
    await h.post(notification({ messages: [text({ context: { from: '15550783881', id: providerMessageId } })] }));
    expect(h.inbound[0]?.replyTo).toBe(id);
  });

  it('opens the 24-hour window for that number in the Store (hashed, never the number)', async () => {
    const h = start();
    await h.post(notification({ messages: [text()] }));
    const scope = hashKey('whatsapp-cloud', PHONE_NUMBER_ID, TOKEN);
    const key = sessionWindowKey(scope, hashKey(TO_DIGITS));
    expect(key).not.toContain(TO_DIGITS);
    const at = (Math.floor(NOW / 1000) - 60) * 1000;
    expect(await h.store.get(key)).toBe(String(at + 86_400_000));
    expect(await h.store.get(sessionWindowKey(scope, hashKey('573009999999')))).toBeUndefined();
  });

  it('a message older than 24 hours (a late redelivery) opens no window', async () => {
    const h = start();
    const old = String(Math.floor((NOW - 90_000_000) / 1000));
    await h.post(notification({ messages: [text({ timestamp: old })] }));
    const scope = hashKey('whatsapp-cloud', PHONE_NUMBER_ID, TOKEN);
    expect(await h.store.get(sessionWindowKey(scope, hashKey(TO_DIGITS)))).toBeUndefined();
    expect(h.inbound).toHaveLength(1);
  });

  it('a redelivered message is emitted once', async () => {
    const h = start();
    await h.post(notification({ messages: [text()] }));
    await h.post(notification({ messages: [text()] }));
    expect(h.inbound).toHaveLength(1);
  });

  it('button and interactive replies carry their title as text; unknown types are kept as unknown', async () => {
    const h = start();
    await h.post(
      notification({
        messages: [
          text({ id: 'wamid.B', type: 'button', text: undefined, button: { text: 'Sí', payload: 'YES' } }),
          text({
            id: 'wamid.I',
            type: 'interactive',
            text: undefined,
            interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Confirmar' } },
          }),
          text({ id: 'wamid.U', type: 'order', text: undefined, order: {} }),
        ],
      }),
    );
    expect(h.inbound.map((m) => [m.type, m.text])).toEqual([
      ['button', 'Sí'],
      ['interactive', 'Confirmar'],
      ['unknown', undefined],
    ]);
  });
});
