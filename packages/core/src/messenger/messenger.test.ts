import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { memoryLimiter } from '../limiter/memory.js';
import type { Logger } from '../logger.js';
import type { TemplateMessage } from '../messages/schemas.js';
import type { Capabilities } from '../provider.js';
import type { StatusUpdate } from '../status.js';
import { memoryStore } from '../store/memory.js';
import { fakeProvider } from '../testing/fake-provider.js';
import { createFakeTransport, type FakeHandler, jsonResponse } from '../testing/fake-transport.js';
import { signCallbackUrl } from '../webhook/sign.js';
import { createMessenger } from './create.js';
import type { Messenger } from './types.js';

const ALL: Capabilities = {
  text: true,
  image: true,
  template: true,
  statusTracking: 'none',
  statusQuery: true,
  webhook: false,
  inbound: false,
};
const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'hola' } as const;

const open: Messenger[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function setup(handler: FakeHandler, extra: Record<string, unknown> = {}, capabilities = ALL, logger?: Logger) {
  const apiKey = randomBytes(12).toString('hex');
  const transport = createFakeTransport(handler);
  const messenger = createMessenger(
    { provider: 'fake', apiKey, ...extra },
    {
      providers: [fakeProvider(capabilities)],
      transport,
      store: memoryStore(),
      limiter: memoryLimiter(),
      ...(logger ? { logger } : {}),
    },
  );
  open.push(messenger);
  return { messenger, transport, apiKey };
}

async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error('expected a failure');
}

const ok: FakeHandler = () => jsonResponse(200, { id: 7 });

describe('createMessenger', () => {
  it('fails with CONFIG before building anything', () => {
    expect(() => createMessenger({ provider: 'fake' }, { providers: [fakeProvider(ALL)] })).toThrow(
      expect.objectContaining({ code: 'CONFIG', issues: [{ path: 'apiKey', message: 'apiKey is required' }] }),
    );
  });

  it('sends, resolves a SendResult and emits accepted', async () => {
    const { messenger, transport } = setup(ok);
    const events: StatusUpdate[] = [];
    messenger.on('status', (u) => events.push(u));
    const result = await messenger.send(TEXT);
    expect(result).toMatchObject({ provider: 'fake', providerMessageId: '7', status: 'accepted' });
    expect(result.id).toMatch(/^pm_[A-Za-z0-9_-]{22}$/);
    expect(transport.requests).toHaveLength(1);
    expect(JSON.parse(transport.requests[0]?.body ?? '').message.to).toBe('573001234567');
    expect(events).toEqual([expect.objectContaining({ id: result.id, status: 'accepted', final: false })]);
  });

  it('retries a send only while it surely was not sent', async () => {
    let calls = 0;
    const notSent = setup(() => {
      calls++;
      if (calls < 3)
        throw new ParleyError({ code: 'NETWORK', message: 'refused', retryable: true, delivery: 'not_sent' });
      return jsonResponse(200, { id: 1 });
    });
    await expect(notSent.messenger.send(TEXT)).resolves.toMatchObject({ providerMessageId: '1' });
    expect(calls).toBe(3);

    const ambiguous = setup(() => {
      throw new ParleyError({ code: 'TIMEOUT', message: 'slow', retryable: true, delivery: 'unknown' });
    });
    const error = await failure(ambiguous.messenger.send(TEXT));
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown', provider: 'fake' });
    expect(ambiguous.transport.requests).toHaveLength(1);
  });

  it('stops at retry.maxAttempts', async () => {
    const { messenger, transport } = setup(
      () => {
        throw new ParleyError({
          code: 'RATE_LIMITED',
          message: 'slow down',
          retryable: true,
          delivery: 'not_sent',
          retryAfterMs: 0,
        });
      },
      { retry: { maxAttempts: 2 } },
    );
    expect((await failure(messenger.send(TEXT))).code).toBe('RATE_LIMITED');
    expect(transport.requests).toHaveLength(2);
  });

  it('retries a status query even when the failure is ambiguous', async () => {
    let calls = 0;
    const { messenger } = setup((req) => {
      if (req.url.endsWith('/send')) return jsonResponse(200, { id: 5 });
      calls++;
      if (calls === 1)
        throw new ParleyError({
          code: 'TIMEOUT',
          message: 'slow',
          retryable: true,
          delivery: 'unknown',
          retryAfterMs: 0,
        });
      return jsonResponse(200, { status: 'delivered' });
    });
    const { id } = await messenger.send(TEXT);
    await expect(messenger.getStatus(id)).resolves.toMatchObject({ id, status: 'delivered', final: false });
    expect(calls).toBe(2);
  });

  it('answers getStatus for a raw provider id and refuses an unknown id', async () => {
    const { messenger, transport } = setup(() => jsonResponse(200, { status: 'read' }));
    await expect(messenger.getStatus('554')).resolves.toMatchObject({ id: '554', status: 'read', final: true });
    const error = await failure(messenger.getStatus('pm_unknown'));
    expect(error).toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'id', message: expect.stringContaining('no message') }],
    });
    expect(transport.requests).toHaveLength(1);
  });

  it('emits getStatus results through the same monotonic path', async () => {
    const statuses = ['delivered', 'sent', 'delivered', 'read'];
    const { messenger } = setup((req) =>
      req.url.endsWith('/send') ? jsonResponse(200, { id: 1 }) : jsonResponse(200, { status: statuses.shift() }),
    );
    const seen: string[] = [];
    messenger.on('status', (u) => seen.push(u.status));
    const { id } = await messenger.send(TEXT);
    for (let i = 0; i < 4; i++) await messenger.getStatus(id);
    expect(seen).toEqual(['accepted', 'delivered', 'read']);
  });

  it('fails UNSUPPORTED before the network for a missing capability', async () => {
    const { messenger, transport } = setup(ok, {}, { ...ALL, image: false, statusQuery: false });
    const error = await failure(messenger.send({ type: 'image', to: '573001234567', url: 'https://x.test/a.png' }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED', delivery: 'not_sent', provider: 'fake' });
    expect((await failure(messenger.getStatus('1'))).code).toBe('UNSUPPORTED');
    expect(transport.requests).toHaveLength(0);
  });

  it('aborts a send whose signal is already aborted without sending', async () => {
    const { messenger, transport } = setup(ok);
    const error = await failure(messenger.send(TEXT, { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(transport.requests).toHaveLength(0);
  });

  it('redacts secrets from errors, logs and inspect', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m, f) => lines.push(m + JSON.stringify(f ?? {})),
      info: (m, f) => lines.push(m + JSON.stringify(f ?? {})),
      warn: (m, f) => lines.push(m + JSON.stringify(f ?? {})),
      error: (m, f) => lines.push(m + JSON.stringify(f ?? {})),
    };
    let key = '';
    const { messenger, apiKey } = setup(
      () => {
        throw new ParleyError({ code: 'AUTH', message: `key ${key} refused`, body: `{"key":"${key}"}` });
      },
      {},
      ALL,
      logger,
    );
    key = apiKey;
    const error = await failure(messenger.send(TEXT));
    for (const view of [
      error.message,
      String(error.body),
      inspect(error),
      JSON.stringify(error),
      inspect(messenger),
      JSON.stringify(messenger),
      ...lines,
    ]) {
      expect(view).not.toContain(apiKey);
    }
    expect(error.message).toContain('[redacted]');
  });

  it('counts a daily quota in the store and fails fast once it is used up', async () => {
    const store = memoryStore();
    let now = Date.UTC(2026, 10, 21, 12);
    const transport = createFakeTransport(ok);
    const definition = fakeProvider(ALL);
    const limited = {
      ...definition,
      create: (config: never, ctx: never) => ({
        ...definition.create(config, ctx),
        dailyQuota: { key: 'q', limit: 2 },
      }),
    };
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'k' },
      { providers: [limited], transport, store, now: () => now },
    );
    open.push(messenger);
    await messenger.send(TEXT);
    await messenger.send(TEXT);
    const error = await failure(messenger.send(TEXT));
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', delivery: 'not_sent', retryable: false });
    expect(transport.requests).toHaveLength(2);
    now += 86_400_000;
    await expect(messenger.send(TEXT)).resolves.toBeDefined();
  });

  it('runs on the one clock it is given: quotas, idempotency keys and status times, with no store passed', async () => {
    // A year ahead of the real clock, and no store: the messenger's own memory store runs on it.
    let now = Date.now() + 365 * 86_400_000;
    const transport = createFakeTransport(ok);
    const definition = fakeProvider(ALL);
    const limited = {
      ...definition,
      create: (config: never, ctx: never) => ({
        ...definition.create(config, ctx),
        dailyQuota: { key: 'q1', limit: 3 },
      }),
    };
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'clock-key' },
      { providers: [limited], transport, now: () => now, idempotencyTtlMs: 60_000 },
    );
    open.push(messenger);
    const events: StatusUpdate[] = [];
    messenger.on('status', (u) => events.push(u));
    const first = await messenger.send(TEXT, { idempotencyKey: 'order-1' });
    expect(first.acceptedAt.getTime()).toBe(now);
    expect(events[0]?.at.getTime()).toBe(now);
    now += 59_999;
    expect((await messenger.send(TEXT, { idempotencyKey: 'order-1' })).id).toBe(first.id);
    now += 1;
    expect((await messenger.send(TEXT, { idempotencyKey: 'order-1' })).id).not.toBe(first.id);
    await messenger.send(TEXT);
    expect(await failure(messenger.send(TEXT))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(transport.requests).toHaveLength(3);
    now += 86_400_000;
    await expect(messenger.send(TEXT)).resolves.toBeDefined();
  });

  it('a store that fails after the provider accepted a send: the send resolves, an error event says so', async () => {
    const inner = memoryStore();
    const broken = {
      ...inner,
      advanceStatus: async () => {
        throw new Error('READONLY You can not write against a read only replica');
      },
    };
    const transport = createFakeTransport(ok);
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'store-fails' },
      {
        providers: [fakeProvider({ ...ALL, statusTracking: 'poll' })],
        transport,
        store: broken,
        limiter: memoryLimiter(),
      },
    );
    open.push(messenger);
    const errors: ParleyError[] = [];
    messenger.on('error', (e) => errors.push(e));
    const result = await messenger.send(TEXT);
    expect(result).toMatchObject({ status: 'accepted', providerMessageId: '7' });
    expect(transport.requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'INTERNAL' });
    expect(errors[0]?.message).toContain(`Message ${result.id} was accepted, but its record could not be saved`);
    expect(errors[0]?.message).toContain('READONLY');
  });

  it('redacts what a driver derives from a secret in logs as in errors (one secret list)', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m, f) => lines.push(m, JSON.stringify(f ?? {})),
      info: (m, f) => lines.push(m, JSON.stringify(f ?? {})),
      warn: (m, f) => lines.push(m, JSON.stringify(f ?? {})),
      error: (m, f) => lines.push(m, JSON.stringify(f ?? {})),
    };
    const definition = fakeProvider(ALL);
    // Something redaction cannot guess from the key itself (it does know base64 and JSON forms).
    const derived = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 24);
    const deriving = {
      ...definition,
      create: (config: { apiKey: { reveal(): string } }, ctx: { logger: Logger }) => {
        const driver = definition.create(config as never, ctx as never);
        const token = derived(config.apiKey.reveal());
        return {
          ...driver,
          secrets: [...driver.secrets, token],
          buildSend: (message: never, send: never) => {
            ctx.logger.debug(`building a send with Basic ${token}`, { header: `Basic ${token}` });
            return driver.buildSend(message, send);
          },
          parseSend: () => {
            throw new ParleyError({
              code: 'AUTH',
              message: `the provider refused Basic ${token}`,
              delivery: 'not_sent',
            });
          },
        };
      },
    };
    const apiKey = randomBytes(12).toString('hex');
    const messenger = createMessenger(
      { provider: 'fake', apiKey },
      { providers: [deriving as never], transport: createFakeTransport(ok), store: memoryStore(), logger },
    );
    open.push(messenger);
    const error = await failure(messenger.send(TEXT));
    expect(lines.join('\n')).toContain('[redacted]');
    for (const text of [...lines, error.message]) expect(text).not.toContain(derived(apiKey));
  });

  it('holds sends beyond the concurrency limit and fails the waiting ones on close', async () => {
    const gates: (() => void)[] = [];
    const transport = createFakeTransport(
      () => new Promise((resolve) => gates.push(() => resolve(jsonResponse(200, { id: 1 })))),
    );
    const definition = fakeProvider(ALL);
    const limited = {
      ...definition,
      create: (config: never, ctx: never) => ({ ...definition.create(config, ctx), concurrency: { key: 'c', max: 2 } }),
    };
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'k' },
      { providers: [limited], transport, store: memoryStore(), limiter: memoryLimiter() },
    );
    const sends = [1, 2, 3, 4].map(() =>
      messenger.send(TEXT).then(
        () => 'ok',
        (e: ParleyError) => e.code,
      ),
    );
    await vi.waitFor(() => expect(transport.requests).toHaveLength(2));
    const closing = messenger.close();
    for (const open of gates) open();
    await closing;
    expect(await Promise.all(sends)).toEqual(['ok', 'ok', 'ABORTED', 'ABORTED']);
    expect(transport.requests).toHaveLength(2);
    expect(transport.closed).toBe(false); // a transport passed in belongs to the caller
  });
});

describe('status tracking', () => {
  const POLL: Capabilities = { ...ALL, statusTracking: 'poll' };

  it('polls 10,000 messages with one timer until each is final', async () => {
    vi.useFakeTimers();
    const polls = new Map<string, number>();
    const { messenger } = setup(
      (req) => {
        const body = JSON.parse(req.body ?? '{}') as { id: string };
        if (req.url.endsWith('/send')) return jsonResponse(200, { id: body.id });
        const n = (polls.get(body.id) ?? 0) + 1;
        polls.set(body.id, n);
        return jsonResponse(200, { status: n === 1 ? 'sent' : n === 2 ? 'delivered' : 'read' });
      },
      {},
      POLL,
    );
    const finals: StatusUpdate[] = [];
    messenger.on('status', (u) => u.final && finals.push(u));
    const sent = await Promise.all(Array.from({ length: 10_000 }, () => messenger.send(TEXT)));
    expect(sent).toHaveLength(10_000);
    expect(vi.getTimerCount()).toBe(1);
    for (let i = 0; i < 40 && finals.length < 10_000; i++) {
      await vi.advanceTimersByTimeAsync(200);
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    }
    expect(finals).toHaveLength(10_000);
    expect(Math.max(...polls.values())).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a poll that keeps failing as an error event, and keeps polling', async () => {
    vi.useFakeTimers();
    let fail = true;
    const { messenger } = setup(
      (req) => {
        if (req.url.endsWith('/send')) return jsonResponse(200, { id: 1 });
        if (fail) throw new ParleyError({ code: 'NETWORK', message: 'down', retryable: false, delivery: 'unknown' });
        return jsonResponse(200, { status: 'read' });
      },
      { retry: { maxAttempts: 1 } },
      POLL,
    );
    const errors: ParleyError[] = [];
    const statuses: string[] = [];
    messenger.on('error', (e) => errors.push(e));
    messenger.on('status', (u) => statuses.push(u.status));
    await messenger.send(TEXT);
    await vi.advanceTimersByTimeAsync(50 + 100 + 200); // three failed polls
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'NETWORK', provider: 'fake' });
    expect(errors[0]?.message).toContain('3 failed polls');
    fail = false;
    await vi.advanceTimersByTimeAsync(400);
    expect(statuses).toEqual(['accepted', 'read']);
  });

  it('abandons a poll in flight on close (a read is safe to drop), keeping the message scheduled', async () => {
    let polls = 0;
    const store = memoryStore();
    const transport = createFakeTransport((req) => {
      if (req.url.endsWith('/send')) return jsonResponse(200, { id: 1 });
      polls++;
      // Hangs until the request's signal aborts, as a provider that never answers.
      return new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(req.signal?.reason)));
    });
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'k-close' },
      { providers: [fakeProvider(POLL)], transport, store },
    );
    const errors: unknown[] = [];
    messenger.on('error', (e) => errors.push(e));
    const { id } = await messenger.send(TEXT);
    await vi.waitFor(() => expect(polls).toBe(1), { timeout: 2_000 });
    const started = Date.now();
    await messenger.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(errors).toEqual([]);
    const record = await store.getMessage(id);
    expect(record?.nextPollAt).toBeTypeOf('number'); // another process resuming the store polls it
    await new Promise((r) => setTimeout(r, 200));
    expect(polls).toBe(1);
  });

  it('starts the events of a message it does not know with accepted (its send answer was lost)', async () => {
    const { messenger } = setup(
      () => {
        throw new ParleyError({ code: 'NETWORK', message: 'reset', retryable: true, delivery: 'unknown' });
      },
      { callbackUrl: 'https://app.example.com/hook', webhookSecret: 'a-very-long-webhook-secret' },
      { ...ALL, webhook: true },
    );
    const error = await failure(messenger.send(TEXT));
    expect(error.messageId).toMatch(/^pm_/);
    const events: string[] = [];
    messenger.on('status', (u) => u.id === error.messageId && events.push(u.status));
    const url = signCallbackUrl(
      'https://app.example.com/hook',
      error.messageId as string,
      'a-very-long-webhook-secret',
    );
    const res = await messenger.webhook?.(
      new Request(url, {
        method: 'POST',
        body: '{"status":"delivered"}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(res?.status).toBe(200);
    expect(events).toEqual(['accepted', 'delivered']);
  });

  it('with a shared store, an idle messenger picks up messages another one left behind', async () => {
    vi.useFakeTimers();
    const store = { ...memoryStore(), shared: true };
    const polled: string[] = [];
    const transport = createFakeTransport((req) => {
      if (req.url.endsWith('/send')) return jsonResponse(200, { id: 77 });
      polled.push(req.url);
      return jsonResponse(200, { status: 'read' });
    });
    const make = () =>
      createMessenger({ provider: 'fake', apiKey: 'shared-k' }, { providers: [fakeProvider(POLL)], transport, store });
    const idle = make();
    open.push(idle);
    const finals: string[] = [];
    idle.on('status', (u) => u.final && finals.push(u.id));
    const sender = make();
    const { id } = await sender.send(TEXT);
    await sender.close(); // before its first poll
    await vi.advanceTimersByTimeAsync(450); // the idle one looks again within maxIntervalMs (200)
    expect(polled).toHaveLength(1);
    expect(finals).toEqual([id]);
  });

  it('stops tracking at close and leaves no timer', async () => {
    vi.useFakeTimers();
    const { messenger } = setup(
      (req) => (req.url.endsWith('/send') ? jsonResponse(200, { id: 1 }) : jsonResponse(200, { status: 'sent' })),
      {},
      POLL,
    );
    await messenger.send(TEXT);
    expect(vi.getTimerCount()).toBe(1);
    await messenger.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('send with a fallback template', () => {
  const FALLBACK: TemplateMessage = { type: 'template', to: '573001234567', name: 'reengage', variables: ['Ana'] };

  it.each([
    [{ ...FALLBACK, to: '+57 300 999 8888' }, 'fallback.to'],
    [{ type: 'text', to: '573001234567', text: 'x' }, 'fallback.type'],
    [{ ...FALLBACK, name: '' }, 'fallback.name'],
  ])('refuses a bad fallback before any request (%j names %s)', async (fallback, path) => {
    const { messenger, transport } = setup(ok);
    const error = await failure(messenger.send(TEXT, { fallback: fallback as never }));
    expect(error).toMatchObject({ code: 'VALIDATION', delivery: 'not_sent' });
    expect(error.issues?.map((i) => i.path)).toContain(path);
    expect(transport.requests).toHaveLength(0);
  });

  it('has no usedFallback when the message itself went out', async () => {
    const { messenger } = setup(ok);
    const result = await messenger.send(TEXT, { fallback: FALLBACK });
    expect(result.usedFallback).toBeUndefined();
  });
});
