// DecisionTelecom end to end: @parley/core + @parley/adapter-decisiontelecom, built, against the
// @parley/simulator over real HTTP on loopback with the default undici transport.
import { createHash } from 'node:crypto';
import type { Messenger, StatusUpdate } from '@parley/core';
import { fingerprint, type RecordedRequest, type Simulator, type SimulatorOptions } from '@parley/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventsOf,
  expectMonotonic,
  failure,
  type HookServer,
  Resources,
  recordEvents,
  sleep,
  TO,
  TO_DIGITS,
  until,
} from './support.js';

const API_KEY = 'e2e-dt-key';
const SECRET = 'e2e-webhook-secret-0123456789abcdef';
const FAST_TRACKING = { firstPollMs: 50, maxIntervalMs: 100 };

const res = new Resources();
afterEach(() => res.closeAll());

interface Setup {
  sim: Simulator;
  messenger: Messenger;
  dt: Simulator['decisionTelecom'];
}

/** A simulator and one DecisionTelecom messenger on it (polling off unless `config.tracking` says otherwise). */
async function setup(options: SimulatorOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const sim = await res.simulator(options);
  const messenger = res.messenger({
    provider: 'decisiontelecom',
    apiKey: API_KEY,
    sender: 'Acme',
    baseUrl: sim.decisionTelecom.baseUrl,
    tracking: false,
    ...config,
  });
  return { sim, messenger, dt: sim.decisionTelecom };
}

const sends = (dt: Simulator['decisionTelecom']): RecordedRequest[] =>
  dt.requests.filter((r) => r.path === '/send-whatsapp');
const statusQueries = (dt: Simulator['decisionTelecom']): RecordedRequest[] =>
  dt.requests.filter((r) => r.path === '/receive-whatsapp');
const body = (r: RecordedRequest | undefined): Record<string, unknown> => r?.body as Record<string, unknown>;

describe('DecisionTelecom: every message type, as the provider receives it', () => {
  it('text: source_addr, destination_addr as a JSON number, message_type 1, Basic base64(key)', async () => {
    const { messenger, dt } = await setup();
    const result = await messenger.send({ type: 'text', to: TO, text: 'Hola Ana' });

    expect(result).toMatchObject({ provider: 'decisiontelecom', status: 'accepted', providerMessageId: '1000' });
    expect(result.id).toMatch(/\S/);
    expect(result.acceptedAt).toBeInstanceOf(Date);
    const [request] = sends(dt);
    expect(sends(dt)).toHaveLength(1);
    expect(request?.method).toBe('POST');
    expect(request?.status).toBe(200);
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    // The simulator fingerprints the key it decoded from `Basic base64(key)`: the SDKs' encoding.
    expect(request?.credential).toBe(fingerprint(API_KEY));
    expect(body(request)).toEqual({
      source_addr: 'Acme',
      destination_addr: 573001234567,
      message_type: 1,
      text: 'Hola Ana',
    });
    expect(typeof body(request).destination_addr).toBe('number');
    expect(dt.messages.get(result.providerMessageId as string)).toMatchObject({ id: '1000', callbackUrl: undefined });
  });

  it('image with caption: message_type 2, the caption as text, file_url', async () => {
    const { messenger, dt } = await setup();
    const url = 'https://cdn.example.com/orders/42.png';
    const result = await messenger.send({ type: 'image', to: '573001234567', url, caption: 'Your order' });
    expect(result.providerMessageId).toBe('1000');
    expect(body(sends(dt)[0])).toEqual({
      source_addr: 'Acme',
      destination_addr: 573001234567,
      message_type: 2,
      text: 'Your order',
      file_url: url,
    });
  });

  it('template with variables: template_params is a JSON string whose template.name is template_name', async () => {
    const { messenger, dt } = await setup();
    await messenger.send({ type: 'template', to: TO, name: 'order_ready', language: 'es', variables: ['Ana', '#42'] });
    const sent = body(sends(dt)[0]);
    expect(sent).toMatchObject({
      source_addr: 'Acme',
      destination_addr: 573001234567,
      message_type: 4,
      template_name: 'order_ready',
    });
    expect(Object.keys(sent).sort()).toEqual([
      'destination_addr',
      'message_type',
      'source_addr',
      'template_name',
      'template_params',
    ]);
    expect(typeof sent.template_params).toBe('string');
    const params = JSON.parse(sent.template_params as string);
    expect(params).toEqual({
      to: TO_DIGITS,
      type: 'template',
      template: {
        language: { policy: 'deterministic', code: 'es' },
        name: 'order_ready',
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: '#42' },
            ],
          },
        ],
      },
    });
    expect(params.template.name).toBe(sent.template_name);
  });

  it('template with components and a namespace: passed through inside template_params', async () => {
    const { messenger, dt } = await setup();
    const components = [
      {
        type: 'header' as const,
        parameters: [{ type: 'image' as const, image: { link: 'https://cdn.example.com/h.jpg' } }],
      },
      { type: 'body' as const, parameters: [{ type: 'text' as const, text: 'Ana' }] },
    ];
    await messenger.send({
      type: 'template',
      to: TO,
      name: 'media_2_english',
      namespace: 'xxxxx_xxxx_xxx_xxx_xxxxx',
      language: 'pt-BR',
      components,
    });
    const sent = body(sends(dt)[0]);
    expect(sent.message_type).toBe(4);
    expect(sent.template_name).toBe('media_2_english');
    const params = JSON.parse(sent.template_params as string);
    expect(params.to).toBe(TO_DIGITS);
    expect(params.type).toBe('template');
    expect(params.template).toEqual({
      namespace: 'xxxxx_xxxx_xxx_xxx_xxxxx',
      language: { policy: 'deterministic', code: 'pt_BR' },
      name: 'media_2_english',
      components,
    });
    expect(params.template.name).toBe(sent.template_name);
  });
});

describe('DecisionTelecom: status polling', () => {
  const cases = [
    // outcome, final unified status, final provider code, the statuses allowed on the way
    ['seen', 'read', 7, ['accepted', 'pending', 'sent', 'delivered', 'read']],
    ['rejected', 'rejected', 2, ['accepted', 'pending', 'rejected']],
    ['failed', 'failed', 4, ['accepted', 'pending', 'sent', 'failed']],
  ] as const;

  it.each(cases)(
    'outcome %s: monotonic events up to a final %s, then polling stops',
    async (outcome, final, code, path) => {
      const { messenger, dt } = await setup(
        { decisionTelecom: { progression: { stepMs: 100, outcomes: { [outcome]: 1 } } } },
        { tracking: FAST_TRACKING },
      );
      const { statuses, errors } = recordEvents(messenger);
      const results = await Promise.all([
        messenger.send({ type: 'text', to: TO, text: 'one' }),
        messenger.send({ type: 'text', to: TO, text: 'two' }),
      ]);
      for (const { id } of results) {
        await until(() => eventsOf(statuses, id).some((e) => e.final), 5_000, `a final status of ${id}`);
      }
      for (const { id, providerMessageId } of results) {
        const events = eventsOf(statuses, id);
        expectMonotonic(events);
        expect(events.map((e) => e.status).every((s) => (path as readonly string[]).includes(s))).toBe(true);
        // At least one status between accepted and the final one was seen by polling.
        expect(events.length).toBeGreaterThanOrEqual(3);
        expect(events.at(-1)).toMatchObject({
          id,
          provider: 'decisiontelecom',
          status: final,
          providerStatus: code,
          final: true,
        });
        expect(dt.messages.get(providerMessageId as string)).toMatchObject({ status: code, final: true });
      }
      expect(errors).toEqual([]);
      // Final: no more polls, however long we wait.
      const polls = statusQueries(dt).length;
      expect(polls).toBeGreaterThanOrEqual(4);
      await sleep(300);
      expect(statusQueries(dt)).toHaveLength(polls);
      expect(sends(dt)).toHaveLength(2);
    },
  );

  it('getStatus by Parley id and by provider id; each change is emitted once', async () => {
    const { messenger, dt } = await setup({ decisionTelecom: { progression: { stepMs: 60_000 } } });
    const { statuses } = recordEvents(messenger);
    const { id, providerMessageId } = await messenger.send({ type: 'text', to: TO, text: 'hi' });
    const pmid = providerMessageId as string;

    const pending = await messenger.getStatus(id);
    expect(pending).toMatchObject({
      id,
      provider: 'decisiontelecom',
      status: 'pending',
      providerStatus: 6,
      final: false,
    });
    expect(pending.at).toBeInstanceOf(Date);
    dt.setStatus(pmid, 1);
    expect(await messenger.getStatus(id)).toMatchObject({ id, status: 'delivered', providerStatus: 1, final: false });
    expect(await messenger.getStatus(id)).toMatchObject({ id, status: 'delivered' });
    const byProviderId = await messenger.getStatus(pmid);
    expect(byProviderId).toMatchObject({ status: 'delivered', providerStatus: 1, final: false });
    expect([pmid, id]).toContain(byProviderId.id);
    // Another messenger of the account (another process, say) knows only the provider id.
    const other = res.messenger({ provider: 'decisiontelecom', apiKey: API_KEY, sender: 'Acme', baseUrl: dt.baseUrl });
    expect(await other.getStatus(pmid)).toMatchObject({ id: pmid, status: 'delivered', providerStatus: 1 });
    expect((await failure(other.getStatus(id))).code).toBe('VALIDATION'); // a Parley id it never saw
    dt.setStatus(pmid, 7);
    expect(await messenger.getStatus(id)).toMatchObject({ id, status: 'read', providerStatus: 7, final: true });

    const queried = statusQueries(dt);
    expect(queried).toHaveLength(6);
    expect(queried.map((r) => body(r))).toEqual(Array(6).fill({ message_id: 1000 }));
    expect(eventsOf(statuses, id).map((e) => e.status)).toEqual(['accepted', 'pending', 'delivered', 'read']);
  });
});

describe('DecisionTelecom: ids above 2^53', () => {
  it('keeps every digit in SendResult.providerMessageId, in status queries and in getStatus', async () => {
    const first = 2n ** 53n + 1n; // 9007199254740993: a double would read 9007199254740992
    const { messenger, dt } = await setup(
      { decisionTelecom: { firstMessageId: first, progression: { stepMs: 100, outcomes: { seen: 1 } } } },
      { tracking: FAST_TRACKING },
    );
    const { statuses, errors } = recordEvents(messenger);
    const a = await messenger.send({ type: 'text', to: TO, text: 'a' });
    const b = await messenger.send({ type: 'text', to: TO, text: 'b' });
    expect(a.providerMessageId).toBe('9007199254740993');
    expect(b.providerMessageId).toBe('9007199254740994');
    expect(dt.messages.lastId).toBe('9007199254740994');

    for (const { id } of [a, b]) {
      await until(() => eventsOf(statuses, id).some((e) => e.final), 5_000, `a final status of ${id}`);
      expect(eventsOf(statuses, id).at(-1)).toMatchObject({ status: 'read', providerStatus: 7 });
    }
    expect(errors).toEqual([]);
    // The simulator reads the id from the raw text and answers with it: a rounded id would be
    // an unknown one (code 1), so every answer naming the exact ids proves the queries kept them.
    const queried = statusQueries(dt);
    expect(queried.length).toBeGreaterThanOrEqual(4);
    for (const r of queried) {
      expect(r.status).toBe(200);
      expect(r.responseBody).toMatch(/^\{"message_id":900719925474099[34],"status":\d+\}$/);
    }
    const answered = new Set(queried.map((r) => /"message_id":(\d+)/.exec(r.responseBody ?? '')?.[1]));
    expect(answered).toEqual(new Set(['9007199254740993', '9007199254740994']));

    const direct = await messenger.getStatus('9007199254740994');
    expect(direct).toMatchObject({ id: '9007199254740994', status: 'read', providerStatus: 7, final: true });
  });
});

describe('DecisionTelecom: status callbacks into messenger.webhook', () => {
  async function withHooks(
    sim: SimulatorOptions,
    tracking: false | typeof FAST_TRACKING,
  ): Promise<Setup & { hooks: HookServer; statuses: StatusUpdate[]; errors: Error[] }> {
    const hooks = await res.hookServer();
    const s = await setup(sim, { callbackUrl: hooks.url, webhookSecret: SECRET, tracking });
    expect(s.messenger.webhook).toBeTypeOf('function');
    hooks.mount(s.messenger.webhook as NonNullable<Messenger['webhook']>);
    return { ...s, hooks, ...recordEvents(s.messenger) };
  }

  it('tracking off: statuses arrive through callbacks only', async () => {
    const { messenger, dt, hooks, statuses, errors } = await withHooks(
      { decisionTelecom: { progression: { stepMs: 80, outcomes: { seen: 1 } } } },
      false,
    );
    expect(messenger.capabilities.statusTracking).toBe('webhook');
    const results = await Promise.all([
      messenger.send({ type: 'text', to: TO, text: 'one' }),
      messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/a.jpg' }),
    ]);
    for (const { id } of results) {
      await until(() => eventsOf(statuses, id).some((e) => e.final), 5_000, `a final status of ${id}`);
    }
    await until(() => dt.callbacks.pending === 0, 2_000, 'the callback queue to drain');

    expect(statusQueries(dt)).toHaveLength(0); // no polling at all
    // The simulator calls back every change after pending: sent, delivered, seen.
    expect(dt.callbacksSent).toBe(6);
    expect(dt.callbacks).toMatchObject({ sent: 6, failed: 0, refused: 0 });
    expect(hooks.calls.map((c) => c.status)).toEqual(Array(6).fill(200));
    for (const { id, providerMessageId } of results) {
      expect(eventsOf(statuses, id).map((e) => [e.status, e.providerStatus, e.final])).toEqual([
        ['accepted', undefined, false],
        ['sent', 0, false],
        ['delivered', 1, false],
        ['read', 7, true],
      ]);
      // Each message's callback_url is the configured URL, signed for that message; never the secret.
      const callbackUrl = dt.messages.get(providerMessageId as string)?.callbackUrl as string;
      const url = new URL(callbackUrl);
      expect(`${url.origin}${url.pathname}`).toBe(hooks.url);
      expect(url.searchParams.get('parley_id')).toBe(id);
      expect(url.searchParams.get('parley_sig')).toMatch(/^[\w-]{20,}$/);
      expect(callbackUrl).not.toContain(SECRET);
    }
    expect(statuses).toHaveLength(8);
    expect(errors).toEqual([]);
  });

  it('refuses a forged callback (bad signature) with 401 and emits no status', async () => {
    const { messenger, hooks, statuses, errors } = await withHooks({}, false);
    const { id } = await messenger.send({ type: 'text', to: TO, text: 'hi' });
    const forgedSig = createHash('sha256').update(id).digest('base64url');
    const answer = await fetch(`${hooks.url}?parley_id=${id}&parley_sig=${forgedSig}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: 1000, status: 7 }),
    });
    expect(answer.status).toBe(401);
    expect(eventsOf(statuses, id).map((e) => e.status)).toEqual(['accepted']);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['AUTH']);
  });

  it('polling and callbacks both on: no duplicate and no backward event', async () => {
    const { messenger, dt, statuses, errors } = await withHooks(
      { decisionTelecom: { progression: { stepMs: 60, outcomes: { seen: 2, rejected: 1, failed: 1 } } } },
      FAST_TRACKING,
    );
    expect(messenger.capabilities.statusTracking).toBe('poll');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => messenger.send({ type: 'text', to: TO, text: `m${i}` })),
    );
    for (const { id } of results) {
      await until(() => eventsOf(statuses, id).some((e) => e.final), 5_000, `a final status of ${id}`);
    }
    await until(() => dt.callbacks.pending === 0, 2_000, 'the callback queue to drain');
    await sleep(200); // late polls and callbacks, if any, would land here

    expect(dt.callbacksSent).toBeGreaterThan(0);
    expect(statusQueries(dt).length).toBeGreaterThan(0);
    // The two paths overlapped: some status of some message was reported by a callback AND by a
    // poll, yet (below) every status was emitted once.
    const called = new Set(dt.callbackLog.map((c) => `${c.messageId}:${c.status}`));
    const polled = statusQueries(dt)
      .map((r) => /^\{"message_id":(\d+),"status":(\d+)\}$/.exec(r.responseBody ?? ''))
      .filter((m) => m !== null)
      .map((m) => `${m[1]}:${m[2]}`);
    expect(polled.filter((key) => called.has(key)).length).toBeGreaterThan(0);
    const finals = new Set<string>();
    for (const { id, providerMessageId } of results) {
      const events = eventsOf(statuses, id);
      expectMonotonic(events);
      expect(new Set(events.map((e) => e.status)).size).toBe(events.length);
      const last = events.at(-1) as StatusUpdate;
      expect(last.final).toBe(true);
      expect(dt.messages.get(providerMessageId as string)?.status).toBe(last.providerStatus);
      finals.add(last.status);
    }
    expect(finals).toEqual(new Set(['read', 'rejected', 'failed']));
    expect(errors).toEqual([]);
  });
});

describe('DecisionTelecom: rate limit (429 with Retry-After)', () => {
  it('retries after Retry-After and succeeds', async () => {
    const { messenger, dt } = await setup({ decisionTelecom: { rateLimit: { requests: 1, perMs: 500 } } });
    await messenger.send({ type: 'text', to: TO, text: 'first' });
    const started = Date.now();
    const second = await messenger.send({ type: 'text', to: TO, text: 'second' });
    const waited = Date.now() - started;

    expect(second.providerMessageId).toBe('1001');
    expect(sends(dt).map((r) => r.status)).toEqual([200, 429, 200]);
    expect(sends(dt)[1]?.responseBody).toContain('"code":0');
    expect(waited).toBeGreaterThanOrEqual(900); // Retry-After: 1 was honoured
    expect(dt.messages.size).toBe(2);
  });

  it('with retry.maxAttempts 1: RATE_LIMITED, not sent, with retryAfterMs', async () => {
    const { messenger, dt } = await setup(
      { decisionTelecom: { rateLimit: { requests: 1, perMs: 60_000 } } },
      { retry: { maxAttempts: 1 } },
    );
    await messenger.send({ type: 'text', to: TO, text: 'first' });
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'second' }));
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      delivery: 'not_sent',
      provider: 'decisiontelecom',
      httpStatus: 429,
      providerCode: 0,
    });
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(sends(dt).map((r) => r.status)).toEqual([200, 429]);
  });
});

describe('DecisionTelecom: error rows', () => {
  it('server_error on a send: PROVIDER_ERROR, delivery unknown, never resent', async () => {
    const { messenger, dt } = await setup();
    dt.failNext('server_error');
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(error).toMatchObject({
      code: 'PROVIDER_ERROR',
      delivery: 'unknown',
      httpStatus: 500,
      providerCode: 2,
      provider: 'decisiontelecom',
    });
    expect(dt.requests).toHaveLength(1);
    expect(dt.counts).toMatchObject({ received: 1, faulted: 1 });
  });

  it('server_error on a status query: retried (a query is safe to repeat)', async () => {
    const { messenger, dt } = await setup();
    const { id } = await messenger.send({ type: 'text', to: TO, text: 'hi' });
    dt.failNext('server_error', { endpoint: 'status' });
    const status = await messenger.getStatus(id);
    expect(status.status).toBe('pending');
    expect(statusQueries(dt).map((r) => r.status)).toEqual([500, 200]);
  });

  const rows = [
    ['balance', 'INSUFFICIENT_BALANCE', 402, 3],
    ['session_window', 'SESSION_WINDOW_CLOSED', 503, 7],
    ['mime_type', 'MEDIA_REJECTED', 401, 8],
  ] as const;
  it.each(rows)('%s: %s, not sent, not retried', async (kind, code, httpStatus, providerCode) => {
    const { messenger, dt } = await setup();
    dt.failNext(kind);
    const error = await failure(
      messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/a.jpeg', caption: 'x' }),
    );
    expect(error).toMatchObject({ code, retryable: false, delivery: 'not_sent', httpStatus, providerCode });
    expect(dt.requests).toHaveLength(1);
    expect(dt.messages.size).toBe(0);
  });

  it('a wrong apiKey: AUTH, not retried, the key never in the error', async () => {
    const { messenger, dt } = await setup({ decisionTelecom: { apiKey: 'the-right-key' } }, { apiKey: 'a-wrong-key' });
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(error).toMatchObject({ code: 'AUTH', retryable: false, delivery: 'not_sent', httpStatus: 401 });
    expect(dt.requests).toHaveLength(1);
    expect(dt.requests[0]?.credential).toBe(fingerprint('a-wrong-key'));
    const shown = `${error.message} ${JSON.stringify(error)} ${error.body ?? ''}`;
    expect(shown).not.toContain('a-wrong-key');
    expect(shown).not.toContain(Buffer.from('a-wrong-key').toString('base64'));
  });

  describe('validation errors under HTTP 200 (errorUnder200Rate 1)', () => {
    const under200: SimulatorOptions = { decisionTelecom: { errorUnder200Rate: 1 } };

    // Core validates every send field at least as strictly as the simulator (text and template
    // name lengths in code points, recipient digits, image extensions, sender length), so no send
    // core lets through fails the simulator's field check. The status query is where core lets
    // a value through that the provider rejects: an id it does not know.
    it('an unknown message_id: PROVIDER_REJECTED naming the parameter, read from a 200', async () => {
      const { messenger, dt } = await setup(under200);
      const error = await failure(messenger.getStatus('424242'));
      expect(error).toMatchObject({
        code: 'PROVIDER_REJECTED',
        retryable: false,
        httpStatus: 200,
        providerCode: 1,
        provider: 'decisiontelecom',
      });
      expect(error.message).toContain('message_id');
      expect(statusQueries(dt)).toHaveLength(1);
      expect(statusQueries(dt)[0]?.responseBody).toContain('Invalid Parameter: [message_id]');
    });

    it('the same under its documented 400', async () => {
      const { messenger } = await setup();
      const error = await failure(messenger.getStatus('424242'));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', httpStatus: 400, providerCode: 1 });
      expect(error.message).toContain('message_id');
    });

    it('a rejected file (forced code 8) on a send under 200: MEDIA_REJECTED, not sent', async () => {
      const { messenger, dt } = await setup(under200);
      dt.failNext('mime_type');
      const error = await failure(messenger.send({ type: 'image', to: TO, url: 'https://cdn.example.com/a.png' }));
      expect(error).toMatchObject({ code: 'MEDIA_REJECTED', delivery: 'not_sent', httpStatus: 200, providerCode: 8 });
      expect(dt.requests).toHaveLength(1);
    });
  });

  it('drop_after (accepted, answer lost): NETWORK, delivery unknown, not resent', async () => {
    const { messenger, dt } = await setup();
    dt.failNext('drop_after');
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(error.code).toBe('NETWORK');
    expect(error.delivery).toBe('unknown');
    expect(dt.requests).toHaveLength(1);
    expect(dt.requests[0]?.outcome).toBe('dropped');
    // The provider did accept it: resending would have sent it twice.
    expect(dt.messages.size).toBe(1);
  });

  it('drop (before processing): NETWORK, delivery unknown, not resent', async () => {
    const { messenger, dt } = await setup();
    dt.failNext('drop');
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'unknown' });
    expect(dt.requests).toHaveLength(1);
    expect(dt.messages.size).toBe(0);
  });

  it('hang with a small timeoutMs: TIMEOUT, delivery unknown, not resent', async () => {
    const { messenger, dt } = await setup({}, { timeoutMs: 300 });
    dt.failNext('hang');
    const started = Date.now();
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });
    expect(error.message).toContain('300');
    expect(dt.requests).toHaveLength(1);
  });
});

describe('DecisionTelecom: close()', () => {
  it('stops polling: no request reaches the provider after close', async () => {
    const { messenger, dt } = await setup(
      { decisionTelecom: { progression: { stepMs: 60_000 } } },
      { tracking: { firstPollMs: 20, maxIntervalMs: 20 } },
    );
    await messenger.send({ type: 'text', to: TO, text: 'hi' });
    await until(() => statusQueries(dt).length >= 2, 2_000, 'two polls');
    await messenger.close();
    const after = dt.requests.length;
    await sleep(150);
    expect(dt.requests).toHaveLength(after);
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'late' }));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(dt.requests).toHaveLength(after);
  });

  // A status query is safe to abandon, unlike a send: close() does not wait for it.
  it('returns promptly while a status poll hangs', async () => {
    const { messenger, dt } = await setup({}, { timeoutMs: 1_500, tracking: { firstPollMs: 20 } });
    dt.failNext('hang', { endpoint: 'status' });
    await messenger.send({ type: 'text', to: TO, text: 'hi' });
    await until(() => statusQueries(dt).length === 1, 2_000, 'the hung poll');
    const started = Date.now();
    await messenger.close();
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('DecisionTelecom: a send whose answer was lost, then called back', () => {
  // The send's answer was lost but the provider had it: its callbacks still make a well-formed
  // event stream, starting with accepted, under the id the error carries as `messageId`.
  it('events of that message still start with accepted', async () => {
    const hooks = await res.hookServer();
    const { messenger, dt } = await setup(
      { decisionTelecom: { progression: { stepMs: 30, outcomes: { seen: 1 } } } },
      { callbackUrl: hooks.url, webhookSecret: SECRET },
    );
    hooks.mount(messenger.webhook as NonNullable<Messenger['webhook']>);
    const { statuses } = recordEvents(messenger);
    dt.failNext('drop_after');
    const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
    expect(error.delivery).toBe('unknown');
    await until(() => dt.callbacksSent === 3, 2_000, 'the three callbacks');
    const id = new URL(hooks.calls[0]?.url ?? '', hooks.url).searchParams.get('parley_id') as string;
    expect(error.messageId).toBe(id);
    expect(statuses.map((e) => e.id)).toContain(id);
    expectMonotonic(eventsOf(statuses, id));
  });
});

describe('DecisionTelecom: config variants on the wire', () => {
  it.each(['encode', 'encode-with-colon'] as const)(
    'apiKeyEncoding %s is accepted by a provider set up for it',
    async (apiKeyEncoding) => {
      const { messenger, dt } = await setup(
        { decisionTelecom: { apiKey: API_KEY, apiKeyEncoding } },
        { apiKeyEncoding },
      );
      await messenger.send({ type: 'text', to: TO, text: 'hi' });
      expect(dt.requests[0]?.status).toBe(200);
      expect(dt.requests[0]?.credential).toBe(fingerprint(API_KEY));
    },
  );

  it.each([
    ['encode-with-colon', 'encode'],
    ['encode', 'encode-with-colon'],
  ] as const)(
    'a wrong apiKeyEncoding (%s against a provider set up for %s) is AUTH, not sent',
    async (used, expected) => {
      const { messenger, dt } = await setup(
        { decisionTelecom: { apiKey: API_KEY, apiKeyEncoding: expected } },
        { apiKeyEncoding: used },
      );
      const error = await failure(messenger.send({ type: 'text', to: TO, text: 'hi' }));
      expect(error).toMatchObject({ code: 'AUTH', delivery: 'not_sent' });
      expect(dt.requests[0]?.status).toBe(401);
    },
  );

  it("destinationFormat 'string' sends destination_addr as a JSON string", async () => {
    const { messenger, dt } = await setup({}, { destinationFormat: 'string' });
    await messenger.send({ type: 'text', to: TO, text: 'hi' });
    expect(body(dt.requests[0]).destination_addr).toBe(TO_DIGITS);
  });
});
