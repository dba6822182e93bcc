import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../options.js';
import { startSimulator } from '../server.js';

const TOKEN = 'sim-cloud-token';
const SECRET = 'sim-cloud-app-secret';
const PATH = '/v26.0/106540352242922/messages';

let sim: Simulator | undefined;
let hooks: Server | undefined;
afterEach(async () => {
  await sim?.close();
  if (hooks) {
    hooks.closeAllConnections();
    await new Promise((resolve) => hooks?.close(resolve));
  }
  sim = undefined;
  hooks = undefined;
});

interface Received {
  readonly body: string;
  readonly signature: string | undefined;
}

async function start(options: { stepMs?: number; enforceWindow?: boolean } = {}) {
  const received: Received[] = [];
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-hub-signature-256'] as string,
      });
      res.end('ok');
    });
  });
  hooks.listen(0, '127.0.0.1');
  await once(hooks, 'listening');
  const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;
  sim = await startSimulator({
    whatsappCloud: { accessToken: TOKEN, appSecret: SECRET, webhookUrl: url, stepMs: 5, ...options },
  });
  const wa = sim.whatsappCloud;
  const send = (body: unknown, token = TOKEN, path = PATH) =>
    fetch(`${wa.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { wa, send, received };
}

const text = (extra: Record<string, unknown> = {}) => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '573001234567',
  type: 'text',
  text: { body: 'hola' },
  ...extra,
});
const template = {
  ...text(),
  type: 'template',
  text: undefined,
  template: { name: 'hello_world', language: { code: 'en_US' } },
};

describe('simulator: the WhatsApp Cloud API side', () => {
  it('answers 401 code 190 to a missing or wrong token', async () => {
    const { send } = await start();
    for (const token of ['', 'wrong']) {
      const res = await send(template, token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(190);
    }
  });

  it.each([
    ['no messaging_product', { ...template, messaging_product: undefined }],
    ['a to that is not digits', { ...template, to: '+57 300' }],
    ['an unsupported type', { ...template, type: 'sticker' }],
    ['a template without language', { ...template, template: { name: 'x' } }],
  ])('answers 400 code 100 naming the problem to %s', async (_name, body) => {
    const { send } = await start();
    const res = await send(body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: number; error_data: { details: string } } }).error;
    expect(error.code).toBe(100);
    expect(error.error_data.details).toMatch(/\S/);
  });

  it('refuses free-form text outside the window (131047); a customer message opens it', async () => {
    const { wa, send } = await start();
    const closed = await send(text());
    expect(closed.status).toBe(400);
    expect(((await closed.json()) as { error: { code: number } }).error.code).toBe(131047);
    await wa.inbound('+57 300 123 4567', { text: 'hola' });
    expect(wa.isWindowOpen('573001234567')).toBe(true);
    const open = await send(text());
    expect(open.status).toBe(200);
    const answer = (await open.json()) as { messages: { id: string }[] };
    expect(answer.messages[0]?.id).toMatch(/^wamid\./);
  });

  it('POSTs sent, delivered, read with a valid X-Hub-Signature-256 and the echoed biz_opaque_callback_data', async () => {
    const { wa, send, received } = await start();
    const res = await send({ ...template, biz_opaque_callback_data: 'pm_echo' });
    expect(res.status).toBe(200);
    await wa.idle();
    const statuses = received.map((r) => {
      expect(r.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
      const status = JSON.parse(r.body).entry[0].changes[0].value.statuses[0];
      return [status.status, status.biz_opaque_callback_data];
    });
    expect(statuses).toEqual([
      ['sent', 'pm_echo'],
      ['delivered', 'pm_echo'],
      ['read', 'pm_echo'],
    ]);
    expect(wa.webhookLog.map((w) => w.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  it('inbound(): a signed messages webhook with the text, an image reference, and context.id for a reply', async () => {
    const { wa, received } = await start();
    const one = await wa.inbound('573001234567', { text: 'hola' }, { replyTo: 'wamid.OURS' });
    await wa.inbound('573001234567', { image: { caption: 'foto' } });
    expect(one.httpStatus).toBe(200);
    const [a, b] = received.map((r) => JSON.parse(r.body).entry[0].changes[0].value.messages[0]);
    expect(a).toMatchObject({
      id: one.id,
      from: '573001234567',
      type: 'text',
      text: { body: 'hola' },
      context: { id: 'wamid.OURS' },
    });
    expect(b).toMatchObject({ type: 'image', image: { caption: 'foto', mime_type: 'image/jpeg' } });
  });

  it.each([
    ['rate_limit', 429, 130429],
    ['pair_rate_limit', 400, 131056],
    ['auth', 401, 190],
    ['template', 404, 132001],
    ['server_error', 500, 131000],
  ] as const)('failNext(%s) answers %i with code %i', async (kind, status, code) => {
    const { wa, send } = await start();
    wa.failNext(kind);
    const res = await send(template);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: number; fbtrace_id: string } }).error).toMatchObject({ code });
    expect((await send(template)).status).toBe(200);
  });

  it('never calls a webhook that is not on loopback', async () => {
    const { wa } = await start();
    wa.setWebhook('https://example.com/hooks', SECRET);
    const result = await wa.inbound('573001234567', { text: 'x' });
    expect(result.httpStatus).toBeUndefined();
    expect(wa.webhookLog.at(-1)?.outcome).toBe('refused');
  });
});
