// Wolkvox end to end: @parley/core + @parley/adapter-wolkvox, built, against the @parley/simulator
// over real HTTP on loopback with the default undici transport.
import type { Messenger } from '@parley/core';
import { memoryLimiter } from '@parley/core';
import { fingerprint, type RecordedRequest, type Simulator, type SimulatorOptions } from '@parley/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { failure, Resources, recordEvents, sleep, TO, TO_DIGITS, until } from './support.js';

const TOKEN = 'e2e-wolkvox-token';
const TEXT_PATH = '/whatsapp.php?api=send_message_official';
const TEMPLATE_PATH = '/whatsapp.php?api=send_template_official';
const CONCURRENCY_403 = 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN';

const res = new Resources();
afterEach(() => res.closeAll());

type Wolkvox = Simulator['wolkvox'];

async function setup(
  options: SimulatorOptions = {},
  config: Record<string, unknown> = {},
): Promise<{ sim: Simulator; wv: Wolkvox; messenger: Messenger }> {
  const sim = await res.simulator(options);
  const messenger = res.messenger(wolkvoxConfig(sim, config));
  return { sim, wv: sim.wolkvox, messenger };
}

function wolkvoxConfig(sim: Simulator, config: Record<string, unknown> = {}) {
  return {
    provider: 'wolkvox',
    token: TOKEN,
    server: '0042',
    connectorId: '1',
    baseUrl: sim.wolkvox.baseUrl,
    ...config,
  };
}

const body = (r: RecordedRequest | undefined): Record<string, unknown> => r?.body as Record<string, unknown>;
const template = (to = TO) => ({ type: 'template' as const, to, name: 'welcome', variables: ['Ana'] });
const refusedForConcurrency = (r: RecordedRequest) =>
  r.status === 403 && (r.responseBody ?? '').includes(CONCURRENCY_403);

describe('Wolkvox: messages as the provider receives them', () => {
  it('text before any template: SESSION_WINDOW_CLOSED, not sent, not retried', async () => {
    const { wv, messenger } = await setup();
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'Hola' }));
    expect(error).toMatchObject({
      code: 'SESSION_WINDOW_CLOSED',
      retryable: false,
      delivery: 'not_sent',
      provider: 'wolkvox',
      httpStatus: 403,
    });
    expect(wv.requests).toHaveLength(1);
    expect(wv.sent).toHaveLength(0);
  });

  it('a template, the customer replies, then text: both accepted, every body value a string', async () => {
    const { wv, messenger } = await setup();
    const { statuses } = recordEvents(messenger);
    const first = await messenger.send({
      type: 'template',
      to: TO,
      name: 'pedido_enviado',
      variables: ['Ana', '#1234'],
    });
    wv.markReplied(TO);
    expect(wv.isWindowOpen(TO_DIGITS)).toBe(true);
    const second = await messenger.send({ type: 'text', to: TO, text: 'Hola Ana, tu pedido salió hoy.' });

    for (const result of [first, second]) {
      expect(result).toMatchObject({ provider: 'wolkvox', status: 'accepted' });
      expect(result).not.toHaveProperty('providerMessageId');
    }
    expect(first.id).not.toBe(second.id);
    const [t, m] = wv.requests;
    expect(wv.requests).toHaveLength(2);
    expect(t?.path).toBe(TEMPLATE_PATH);
    expect(body(t)).toEqual({
      connector_id: '1',
      telephone: TO_DIGITS,
      template_name: 'pedido_enviado',
      template_vars: 'Ana;#1234',
    });
    expect(m?.path).toBe(TEXT_PATH);
    expect(body(m)).toEqual({ connector_id: '1', telephone: TO_DIGITS, message: 'Hola Ana, tu pedido salió hoy.' });
    for (const r of [t, m]) {
      expect(r?.method).toBe('POST');
      expect(r?.status).toBe(200);
      expect(r?.headers['content-type']).toMatch(/^application\/json/);
      expect(r?.credential).toBe(fingerprint(TOKEN));
      expect(Object.values(body(r)).every((value) => typeof value === 'string')).toBe(true);
    }
    expect(wv.sent.map((s) => s.api)).toEqual(['send_template_official', 'send_message_official']);
    // No status API: accepted is the only status there will ever be.
    await sleep(100);
    expect(statuses.map((u) => [u.id, u.status, u.final])).toEqual([
      [first.id, 'accepted', false],
      [second.id, 'accepted', false],
    ]);
  });

  it('a template with an image header: url_attach, and the body parameters as template_vars', async () => {
    const { wv, messenger } = await setup();
    await messenger.send({
      type: 'template',
      to: TO,
      name: 'catalogo_junio',
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/junio.png' } }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '20%' },
          ],
        },
      ],
    });
    expect(body(wv.requests[0])).toEqual({
      connector_id: '1',
      telephone: TO_DIGITS,
      template_name: 'catalogo_junio',
      template_vars: 'Ana;20%',
      url_attach: 'https://cdn.example.com/junio.png',
    });
    expect(wv.sent[0]).toMatchObject({ urlAttach: 'https://cdn.example.com/junio.png', templateVars: 'Ana;20%' });
  });

  it('variables and an image header together; a template without variables sends template_vars ""', async () => {
    const { wv, messenger } = await setup();
    await messenger.send({
      type: 'template',
      to: TO,
      name: 'promo',
      variables: ['Ana', 'junio'],
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/p.jpg' } }] },
      ],
    });
    await messenger.send({ type: 'template', to: TO, name: 'hello_world' });
    expect(wv.requests.map((r) => body(r))).toEqual([
      {
        connector_id: '1',
        telephone: TO_DIGITS,
        template_name: 'promo',
        template_vars: 'Ana;junio',
        url_attach: 'https://cdn.example.com/p.jpg',
      },
      { connector_id: '1', telephone: TO_DIGITS, template_name: 'hello_world', template_vars: '' },
    ]);
  });

  it('an image: UNSUPPORTED before any request; getStatus: UNSUPPORTED', async () => {
    const { wv, messenger } = await setup();
    expect(messenger.capabilities).toMatchObject({ image: false, statusTracking: 'none', statusQuery: false });
    const error = await failure(messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/a.png' }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED', delivery: 'not_sent' });
    expect((await failure(messenger.getStatus('anything'))).code).toBe('UNSUPPORTED');
    expect(wv.requests).toHaveLength(0);
    expect(messenger.webhook).toBeUndefined();
  });

  it('a variable holding ";" (the separator): VALIDATION before any request', async () => {
    const { wv, messenger } = await setup();
    const error = await failure(messenger.send({ type: 'template', to: TO, name: 'x', variables: ['a;b'] }));
    expect(error.code).toBe('VALIDATION');
    expect(error.issues?.map((i) => i.path)).toEqual(['variables.0']);
    expect(wv.requests).toHaveLength(0);
  });

  it('a blank text is refused by core with VALIDATION, before any request', async () => {
    const { wv, messenger } = await setup();
    await messenger.send(template());
    wv.markReplied(TO);
    const error = await failure(messenger.send({ type: 'text', to: TO, text: '   ' }));
    expect(error).toMatchObject({ code: 'VALIDATION', delivery: 'not_sent', issues: [{ path: 'text' }] });
    expect(wv.requests).toHaveLength(1);
  });
});

describe('Wolkvox: at most 2 requests in flight per token', () => {
  it('30 concurrent sends through two messengers sharing a token: never 3 in flight, no 403', async () => {
    const sim = await res.simulator({ latencyMs: 50 });
    const limiter = memoryLimiter();
    const a = res.messenger(wolkvoxConfig(sim), { limiter });
    const b = res.messenger(wolkvoxConfig(sim), { limiter });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).send({ type: 'template', to: TO, name: 'welcome', variables: [`n${i}`] }),
      ),
    );
    const elapsed = Date.now() - started;

    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(30);
    const wv = sim.wolkvox;
    expect(wv.concurrency(TOKEN)).toMatchObject({ maxInFlight: 2, maxAdmitted: 2 });
    expect(wv.maxConcurrentPerToken.get(fingerprint(TOKEN))).toBe(2);
    expect(wv.requests).toHaveLength(30);
    expect(wv.requests.filter((r) => r.status === 403)).toHaveLength(0);
    expect(wv.sent).toHaveLength(30);
    // Both slots stayed busy: 15 rounds of 50 ms, not 30.
    expect(elapsed).toBeGreaterThanOrEqual(15 * 50 - 20);
    expect(elapsed).toBeLessThan(30 * 50);
  });

  it('a foreign client hammering the same token: the messenger is refused (403) and retries to success', async () => {
    const sim = await res.simulator({ latencyMs: 40 });
    const wv = sim.wolkvox;
    const messenger = res.messenger(wolkvoxConfig(sim, { retry: { maxAttempts: 10 } }));
    const FOREIGN = '573009999999';
    let hammering = true;
    // Four raw clients (not Parley) keep the token's two slots taken.
    const hammer = async () => {
      while (hammering) {
        await fetch(`${wv.baseUrl}${TEMPLATE_PATH}`, {
          method: 'POST',
          headers: { 'wolkvox-token': TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({ connector_id: '1', telephone: FOREIGN, template_name: 'x', template_vars: '' }),
        }).then((r) => r.arrayBuffer());
      }
    };
    const foreign = Array.from({ length: 4 }, hammer);
    // Start once the foreign clients hold the token's slots (not after a guessed delay: a busy
    // machine may take longer to get them there).
    while (wv.inFlight < 2) await sleep(5);
    const sends = Array.from({ length: 3 }, (_, i) =>
      messenger.send({ type: 'template', to: TO, name: 'welcome', variables: [`n${i}`] }),
    );
    setTimeout(() => {
      hammering = false;
    }, 300);
    const results = await Promise.all(sends);
    await Promise.all(foreign);

    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const ours = wv.requests.filter((r) => body(r).telephone === TO_DIGITS);
    expect(ours.filter(refusedForConcurrency).length).toBeGreaterThan(0);
    expect(ours.filter((r) => r.status === 200)).toHaveLength(3);
    expect(wv.sent.filter((s) => s.telephone === TO_DIGITS)).toHaveLength(3);
    // The token did see more than 2 attempts at once (the foreign client), but never more than 2 admitted.
    expect(wv.concurrency(TOKEN).maxInFlight).toBeGreaterThan(2);
    expect(wv.concurrency(TOKEN).maxAdmitted).toBe(2);
  });

  it('maxConcurrent 1: one request at a time', async () => {
    const { wv, messenger } = await setup({ latencyMs: 30 }, { maxConcurrent: 1 });
    await Promise.all(Array.from({ length: 6 }, () => messenger.send(template())));
    expect(wv.concurrency(TOKEN)).toMatchObject({ maxInFlight: 1, maxAdmitted: 1 });
    expect(wv.sent).toHaveLength(6);
  });

  it('close() while sends wait for a slot: the 2 sent are ABORTED (unknown) at once, the waiting ones not sent; close waits for the provider', async () => {
    const { wv, messenger } = await setup({ latencyMs: 100 });
    const sends = Array.from({ length: 6 }, () => messenger.send(template()));
    await until(() => wv.inFlight === 2, 2_000, 'two requests in flight');
    const closing = messenger.close();
    const settled = await Promise.allSettled(sends);
    expect(
      settled.map((s) => (s.status === 'fulfilled' ? 'accepted' : `${s.reason.code}/${s.reason.delivery}`)),
    ).toEqual([...Array(2).fill('ABORTED/unknown'), ...Array(4).fill('ABORTED/not_sent')]);
    await closing;
    expect(wv.requests).toHaveLength(2);
    expect(wv.sent).toHaveLength(2);
    expect(Math.max(...wv.maxAdmittedPerToken.values())).toBe(2);
  });
});

describe('Wolkvox: the daily limit', () => {
  it("the provider's limit (dailyLimit 3): the 4th send is QUOTA_EXCEEDED, not retried", async () => {
    const { wv, messenger } = await setup({ wolkvox: { dailyLimit: 3 } });
    for (let i = 0; i < 3; i++) await messenger.send(template());
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      retryable: false,
      delivery: 'not_sent',
      httpStatus: 403,
      provider: 'wolkvox',
    });
    expect(error.message).toContain('TOKEN LIMIT EXCEEDED');
    expect(wv.requests.map((r) => r.status)).toEqual([200, 200, 200, 403]);
    expect(wv.dailyUsage(TOKEN)).toBe(3);
  });

  it("the messenger's own dailyLimit 3: the 4th fails fast, without a request", async () => {
    const { wv, messenger } = await setup({}, { dailyLimit: 3 });
    for (let i = 0; i < 3; i++) await messenger.send(template());
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', delivery: 'not_sent', provider: 'wolkvox' });
    expect(error.httpStatus).toBeUndefined();
    expect(wv.requests).toHaveLength(3);
  });
});

describe('Wolkvox: error rows', () => {
  it('auth: AUTH, not retried, the token never in the error', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('auth');
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'AUTH', retryable: false, delivery: 'not_sent', httpStatus: 403 });
    expect(wv.requests).toHaveLength(1);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });

  it('a token the provider does not know: AUTH', async () => {
    const { wv, messenger } = await setup({ wolkvox: { token: 'another-token' } });
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'AUTH', delivery: 'not_sent', httpStatus: 403 });
    expect(error.message).toContain('PLEASE VALIDATE TOKEN');
    expect(wv.requests).toHaveLength(1);
  });

  it('maintenance once: PROVIDER_ERROR retryable, retried to success', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('maintenance');
    const result = await messenger.send(template());
    expect(result.status).toBe('accepted');
    expect(wv.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(wv.sent).toHaveLength(1);
  });

  it('maintenance that lasts: PROVIDER_ERROR, retryable, not sent, after maxAttempts', async () => {
    const { wv, messenger } = await setup({}, { retry: { maxAttempts: 2 } });
    wv.failNext('maintenance', { times: 5 });
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent', httpStatus: 403 });
    expect(wv.requests).toHaveLength(2);
  });

  it('concurrency forced once: CONCURRENCY_LIMIT is retried to success', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('concurrency');
    await messenger.send(template());
    expect(wv.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it('daily_limit: QUOTA_EXCEEDED, not retried', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('daily_limit');
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: false, delivery: 'not_sent' });
    expect(wv.requests).toHaveLength(1);
  });

  it('window on free-form text: SESSION_WINDOW_CLOSED, not retried', async () => {
    const { wv, messenger } = await setup({ wolkvox: { enforceWindow: false } });
    wv.failNext('window');
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'Hola' }));
    expect(error).toMatchObject({ code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent' });
    expect(wv.requests).toHaveLength(1);
  });

  it('server_error (an HTML 502): PROVIDER_ERROR, delivery unknown, never resent', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('server_error');
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', delivery: 'unknown', httpStatus: 502, provider: 'wolkvox' });
    expect(error.body).toContain('502 Bad Gateway');
    expect(wv.requests).toHaveLength(1);
    expect(wv.counts).toMatchObject({ received: 1, faulted: 1 });
  });

  it('drop_after (accepted, answer lost): NETWORK, delivery unknown, never resent', async () => {
    const { wv, messenger } = await setup();
    wv.failNext('drop_after');
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'unknown' });
    expect(wv.requests).toHaveLength(1);
    expect(wv.sent).toHaveLength(1); // it was accepted: a resend would have been a duplicate
  });

  it('hang with a small timeoutMs: TIMEOUT (unknown) at once, and the hung request keeps its slot', async () => {
    const { sim, wv, messenger } = await setup({}, { timeoutMs: 300, maxConcurrent: 1 });
    wv.failNext('hang');
    const error = await failure(messenger.send(template()));
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });
    // The provider may still be at work on it (up to 60 s): a second request would be a third at work.
    const controller = new AbortController();
    const next = messenger.send(template(), { signal: controller.signal });
    await sleep(200);
    expect(wv.requests).toHaveLength(1);
    controller.abort();
    expect(await failure(next)).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    await sim.close();
  });
});
